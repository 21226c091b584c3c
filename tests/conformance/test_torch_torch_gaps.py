"""PyTorch's ``test/test_torch.py`` (classes ``TestTorch`` and ``TestTorchDeviceType``, with the
``test_*_neg_dim`` methods ``add_neg_dim_tests`` sets on ``TestTorch``) and
``test/test_tensor_creation_ops.py`` (``TestTensorCreation``, ``TestRandomTensorCreation``,
``TestLikeTensorCreation``, ``TestBufferProtocol``, ``TestAsArray``) mapped onto gpuad.

``GAPS`` has one row per upstream test method: "here:" a case of this file, "covered:" an
earlier port (a file of tests/conformance and a test in it), "differs:" a deliberate difference
with the test of this file that checks gpuad's stated behaviour, or "n/a:" why a gpuad user
cannot meet it (storages, devices and streams, memory formats and strides, torch's
deterministic-algorithm switch, its RNG and generator API, TorchScript, meta and quantized
tensors, torch internals).

The ports run each program once with torch and once with gpuad (the Tensor method where gpuad
has torch's, else the spelling docs/porting.md gives) in the same process:
``test_same_as_torch[case]`` compares values, dtypes and shapes, and where torch raises wants a
clear error from gpuad; ``test_grads_match_torch[case]`` compares the reverse-mode gradient of
``sum(out * c)`` with torch's autograd and the forward-mode derivative with a float64 central
difference; ``test_differs[case]`` checks gpuad's documented behaviour where it departs from
torch; the random fills are checked by their distributions (``test_random_fills``).
``test_every_gap_has_a_mapping`` checks the table: its size, no duplicates, and that every
reference names a test (and case) that exists.
"""

from __future__ import annotations

import copy
import math
import pickle
import re
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

torch = pytest.importorskip("torch")
F = pytest.importorskip("gpuad.nn.functional")

# ---- shared reasons ------------------------------------------------------------------------
_STORAGE = (
    "n/a: storages, data pointers, set_ and element-level storage access (a gpuad "
    "Tensor wraps a backend array; it has no storage object)"
)
_DEVICE = "n/a: CUDA devices, several devices, streams or device placement"
_DET = (
    "n/a: torch.use_deterministic_algorithms and its alerts (gpuad has no such switch; "
    "its NumPy-backend results do not depend on thread scheduling)"
)
_MEMFMT = (
    "n/a: memory formats (channels_last) and stride propagation: gpuad Tensors have "
    "their backend array's layout and no memory_format argument"
)
_OVERLAP = (
    "n/a: out= arguments whose memory overlaps the inputs (gpuad's functions take no "
    "torch out= tensor)"
)
_EXP_WARN = (
    "differs: torch warns and writes through an expanded tensor, gpuad raises; "
    "here: test_differs[expanded_write_torch_warns]"
)
_READ_FIRST = (
    "; differs: a source overlapping the written tensor is read whole first where "
    "torch refuses; here: test_differs[overlapping_source_read_first]"
)
_META = "n/a: meta-device tensors"
_QUANT = "n/a: quantized dtypes and engines"
_INTERNAL = "n/a: a torch internal (C++ checks, warnings plumbing, docs, vitals, object lifetime)"
_RNG = (
    "n/a: torch's generators and RNG state; gpuad draws from gpuad.numpy.random "
    "(gnp.random.seed, docs/porting.md)"
)
_SAMPLER = (
    "n/a: gpuad has no Tensor.{} (AttributeError): draw with gpuad.numpy.random or gpuad.random"
)
_HALF = "n/a: bfloat16 and complex32 (gpuad has NumPy's dtypes)"
_OUT = "n/a: torch's out= tensor (gpuad's factories and functions return new tensors)"
_SOBOL = "n/a: torch.quasirandom.SobolEngine (gpuad has no quasi-random engine)"
_IDX = "covered: test_torch_scatter_gather.py::"
_INTEROP = "covered: test_torch_numpy_interop.py::"
_SHAPE = "covered: test_torch_shape_creation.py::"


# ---- one program, two libraries ----------------------------------------------------------
def _gradient(t, spacing=1, dim=None, edge_order=1):
    """torch.gradient spelt with NumPy's gradient (which gnp.gradient is)."""
    nd = t.ndim
    dims = list(range(nd)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    if isinstance(spacing, int | float | complex):
        varargs = [spacing] * len(dims)
    else:
        varargs = list(spacing)
    out = gnp.gradient(t, *varargs, axis=tuple(dims), edge_order=edge_order)
    return tuple(out) if isinstance(out, list | tuple) else (out,)


def _T(factory):
    """gpuad's factories give backend arrays (docs/porting.md): a Tensor of one, as torch's."""
    return lambda *a, **k: ad.tensor(factory(*a, **k))


_T2N = {
    torch.float16: np.float16,
    torch.float32: np.float32,
    torch.float64: np.float64,
    torch.int8: np.int8,
    torch.int16: np.int16,
    torch.int32: np.int32,
    torch.int64: np.int64,
    torch.uint8: np.uint8,
    torch.bool: np.bool_,
    torch.complex64: np.complex64,
    torch.complex128: np.complex128,
}


class _Lib:
    """``L.t(a)`` makes a tensor (float64 unless ``dt``); ``L.<name>`` is torch's free function
    or gpuad's spelling of it."""

    def __init__(self, is_torch: bool):
        self.torch = is_torch
        if is_torch:
            self.f16, self.f32, self.f64 = torch.float16, torch.float32, torch.float64
            self.i8, self.i16, self.i32, self.i64 = (
                torch.int8,
                torch.int16,
                torch.int32,
                torch.int64,
            )
            self.u8, self.b, self.c64, self.c128 = (
                torch.uint8,
                torch.bool,
                torch.complex64,
                torch.complex128,
            )
            ns = dict(
                where=torch.where,
                vander=torch.vander,
                gradient=torch.gradient,
                stack=torch.stack,
                cat=torch.cat,
                frombuffer=torch.frombuffer,
                asarray=torch.asarray,
                cdist=torch.cdist,
                pdist=torch.pdist,
                pairwise_distance=torch.pairwise_distance,
                zeros=torch.zeros,
                ones=torch.ones,
                arange=torch.arange,
                full=torch.full,
                eye=torch.eye,
                linspace=torch.linspace,
                clone=torch.clone,
                flatten=torch.flatten,
                diagflat=torch.diagflat,
                diagonal=torch.diagonal,
                split=torch.split,
                chunk=torch.chunk,
                broadcast_to=torch.broadcast_to,
                equal=torch.equal,
                lerp=torch.lerp,
                atan2=torch.atan2,
                maximum=torch.maximum,
                minimum=torch.minimum,
                fmod=torch.fmod,
                remainder=torch.remainder,
                empty=torch.empty,
                tensor=torch.tensor,
                ones_like=torch.ones_like,
                bmm=torch.bmm,
                conv_transpose1d=torch.nn.functional.conv_transpose1d,
                conv2d=torch.nn.functional.conv2d,
                nll_loss=torch.nn.functional.nll_loss,
                layer_norm=torch.nn.functional.layer_norm,
            )
        else:
            self.f16, self.f32, self.f64 = np.float16, np.float32, np.float64
            self.i8, self.i16, self.i32, self.i64 = np.int8, np.int16, np.int32, np.int64
            self.u8, self.b, self.c64, self.c128 = np.uint8, np.bool_, np.complex64, np.complex128
            ns = dict(
                where=gnp.where,
                vander=gnp.vander,
                gradient=_gradient,
                stack=gnp.stack,
                cat=gnp.concatenate,
                frombuffer=gnp.frombuffer,
                asarray=gnp.asarray,
                cdist=F.cdist,
                pdist=F.pdist,
                pairwise_distance=F.pairwise_distance,
                zeros=_T(gnp.zeros),
                ones=_T(gnp.ones),
                arange=_T(gnp.arange),
                full=_T(gnp.full),
                eye=_T(gnp.eye),
                linspace=_T(gnp.linspace),
                clone=lambda x: x.clone(),
                flatten=lambda x, s=0, e=-1: x.flatten(s, e),
                diagflat=gnp.diagflat,
                diagonal=lambda x, offset=0, dim1=0, dim2=1: x.diagonal(offset, dim1, dim2),
                split=lambda x, s, dim=0: x.split(s, dim),
                chunk=lambda x, c, dim=0: x.chunk(c, dim),
                broadcast_to=gnp.broadcast_to,
                equal=lambda a, b: a.equal(b),
                lerp=lambda a, b, w: a.lerp(b, w),
                atan2=gnp.arctan2,
                maximum=gnp.maximum,
                minimum=gnp.minimum,
                fmod=gnp.fmod,
                remainder=gnp.remainder,
                empty=_T(gnp.empty),
                tensor=ad.tensor,
                ones_like=gnp.ones_like,
                bmm=lambda a, b: a.bmm(b),
                conv_transpose1d=F.conv_transpose1d,
                conv2d=F.conv2d,
                nll_loss=F.nll_loss,
                layer_norm=F.layer_norm,
            )
        self.__dict__.update(ns)

    def t(self, a, dt=None):
        if dt is not None and self.torch:
            dt = _T2N[dt]
        a = np.array(a, dtype=dt) if dt is not None else np.array(a)
        if a.dtype.kind == "f" and dt is None:
            a = a.astype(np.float64)
        if self.torch:
            return torch.from_numpy(a.copy())
        return ad.tensor(ad.get_backend().xp.asarray(a.copy()))


TL, GL = _Lib(True), _Lib(False)
_rng = np.random.default_rng(7)


def _reseed():
    global _rng
    _rng = np.random.default_rng(7)


def R(*shape, dt=np.float64):
    a = _rng.standard_normal(shape)
    return a.astype(dt) if np.dtype(dt).kind not in "iub" else (a * 5).astype(dt)


def _host(r):
    if isinstance(r, torch.Tensor):
        return r.detach().resolve_conj().numpy()
    if isinstance(r, ad.Tensor):
        return to_numpy(r)
    if isinstance(r, torch.Size):
        return tuple(r)
    if isinstance(r, tuple) and all(isinstance(e, int) for e in r):
        return tuple(int(e) for e in r)
    if isinstance(r, int) and not isinstance(r, bool):
        return int(r)
    if isinstance(r, tuple | list):
        return [_host(e) for e in r]
    if isinstance(r, np.generic):
        return r.item()
    if hasattr(r, "__array__") or hasattr(r, "get"):
        return to_numpy(r)
    return r


def _same(g, t, where=""):
    if isinstance(t, list):
        assert isinstance(g, list) and len(g) == len(t), (where, g, t)
        for i, (a, b) in enumerate(zip(g, t, strict=True)):
            _same(a, b, f"{where}[{i}]")
        return
    if isinstance(t, np.ndarray):
        g = np.asarray(g)
        assert g.shape == t.shape, (where, g.shape, t.shape)
        assert g.dtype == t.dtype, (where, g.dtype, t.dtype)
        if t.dtype.kind in "fc":
            tol = {8: 1e-12, 16: 1e-12, 4: 2e-6, 2: 1e-3}[t.dtype.itemsize]
            np.testing.assert_allclose(g, t, rtol=tol, atol=tol, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(g, t, err_msg=where)
        return
    if isinstance(t, float) and math.isnan(t):
        assert isinstance(g, float) and math.isnan(g), (where, g, t)
        return
    assert type(g) is type(t) or (isinstance(g, int) and isinstance(t, int)), (where, g, t)
    assert g == t, (where, g, t)


UNCLEAR = (
    ZeroDivisionError,
    KeyError,
    UnboundLocalError,
    NameError,
    AssertionError,
    RecursionError,
)


def _run(f, lib):
    """``f(lib)`` as host values, or the error it raised; torch runs with float64 as its default
    dtype (gpuad's default float is NumPy's float64: test_torch_shape_creation.py)."""
    _reseed()
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _host(f(lib)), None
        except Exception as e:  # noqa: BLE001 (any error of torch's is compared below)
            return None, e
        finally:
            torch.set_default_dtype(old)


# ---- cases: one program for both libraries -------------------------------------------------
CASES: dict = {}


def case(name, f):
    assert name not in CASES, name
    CASES[name] = f


# test_scalar_check: 0-d inputs give 0-d results, 1-element 1-d inputs 1-d ones
def _zero_one(L):
    return L.t(R()), L.t(R(1))


for _op in (
    "exp",
    "cos",
    "cosh",
    "tan",
    "atan",
    "asinh",
    "tanh",
    "erf",
    "erfc",
    "reciprocal",
    "clone",
    "sigmoid",
    "abs",
    "neg",
):
    case(f"scalar_check_{_op}", lambda L, o=_op: [getattr(x, o)().shape for x in _zero_one(L)])
case("scalar_check_acosh_atanh", lambda L: [(L.t(1.5).acosh().shape, L.t([0.5]).atanh().shape)])
case(
    "scalar_check_remainder_fmod",
    lambda L: [
        (L.remainder(a, b), L.fmod(a, b))
        for a, b in [(L.t(1.5), L.t(0.7)), (L.t(1.5), L.t([0.7])), (L.t([1.5]), L.t(0.7))]
    ],
)
case(
    "scalar_check_clamp",
    lambda L: (
        [x.clamp(min=0, max=1).shape for x in _zero_one(L)]
        + [x.clamp(min=0).shape for x in _zero_one(L)]
        + [x.clamp(max=1).shape for x in _zero_one(L)]
    ),
)
for _op in ("cumsum", "cumprod", "logcumsumexp"):
    case(
        f"scalar_check_{_op}",
        lambda L, o=_op: [getattr(L.t(0.3), o)(dim=0), getattr(L.t(0.3), o)(dim=-1)],
    )
for _op in ("cummax", "cummin"):
    case(f"scalar_check_{_op}", lambda L, o=_op: list(getattr(L.t(0.3), o)(0)))
case(
    "scalar_check_sort_topk",
    lambda L: [
        list(L.t(0.3).sort(0, False)),
        list(L.t(0.3).sort(0, True)),
        list(L.t(0.3).topk(1, 0, False)),
        list(L.t(0.3).topk(1, 0, True)),
    ],
)
case(
    "scalar_check_binary_max_min",
    lambda L: (
        [
            L.maximum(a, b)
            for a, b in [(L.t(1.0), L.t(2.0)), (L.t([1.0]), L.t(2.0)), (L.t(1.0), L.t([2.0]))]
        ]
        + [L.minimum(L.t([1.0]), L.t(2.0))]
    ),
)
case(
    "scalar_check_shifts_and_bits",
    lambda L: [
        (a >> b, a << b, a | b, a & b)
        for a, b in [(L.t(1), L.t(1)), (L.t(1), 1), (L.t([1]), L.t(1)), (L.t(1), L.t([1]))]
    ],
)
case(
    "scalar_check_masked_select",
    lambda L: [
        L.t(True).masked_select(L.t(True)),
        L.t(True).masked_select(L.t([True])),
        L.t([True]).masked_select(L.t(True)),
    ],
)
for _op in ("max", "min", "mode", "median"):
    case(
        f"scalar_check_{_op}_dim",
        lambda L, o=_op: [
            list(getattr(x, o)(dim=0, keepdim=k)) for x in _zero_one(L) for k in (True, False)
        ],
    )
for _op in ("amax", "amin"):
    case(
        f"scalar_check_{_op}_dim",
        lambda L, o=_op: [
            getattr(x, o)(dim=0, keepdim=k) for x in _zero_one(L) for k in (True, False)
        ],
    )
case(
    "scalar_check_take_gather",
    lambda L: [
        L.t(R(2, 3)).take(L.t(1)),
        L.t(R(2, 3)).take(L.t([1])),
        L.t(0.5).gather(0, L.t(0)),
        L.t(0.5).gather(0, L.t([0])),
        L.t([0.5]).gather(0, L.t([0])),
    ],
)

case("scalar_check_conv2d_of_0d", lambda L: L.conv2d(L.t(R()), L.t(R(2, 1, 3, 3))))
case("scalar_check_nll_loss_of_0d", lambda L: L.nll_loss(L.t(R()), L.t(0), reduction="none"))
case(
    "scalar_check_nll_loss_reduced",
    lambda L: (
        [L.nll_loss(L.t(R(1, 1)), L.t([0]), reduction=r) for r in ("mean", "sum")]
        + [L.nll_loss(L.t(R(1, 1, 1, 1)), L.t([[[0]]]), reduction=r) for r in ("mean", "sum")]
    ),
)

# test_broadcast[fn]: broadcasting equals expanding first, as torch
_BC = ((2, 1, 3), (4, 1), (2, 4, 3))


def _bc(L, f):
    a, b = L.t(R(*_BC[0])), L.t(R(*_BC[1]))
    c = L.t(np.abs(R(*_BC[2])) + 0.5)
    full = _BC[2]
    ea, eb = L.broadcast_to(a, full), L.broadcast_to(b, full)
    return [f(L, a, b, c), f(L, ea, eb, c)]


for _fn, _f in {
    "dist": lambda L, a, b, c: a.dist(b),
    "atan2": lambda L, a, b, c: L.atan2(a, b),
    "pow": lambda L, a, b, c: c.pow(b),
    "lerp": lambda L, a, b, c: L.lerp(a, b, 0.5),
    "add": lambda L, a, b, c: a + b,
    "sub": lambda L, a, b, c: a.sub(b),
    "mul": lambda L, a, b, c: a.mul(b),
    "div": lambda L, a, b, c: a.div(c),
    "fmod": lambda L, a, b, c: L.fmod(a, c),
    "remainder": lambda L, a, b, c: L.remainder(a, c),
    "compare": lambda L, a, b, c: [a.eq(b), a.ge(b), a.gt(b), a.le(b), a.lt(b), a.ne(b)],
    "max_min": lambda L, a, b, c: [L.maximum(a, b), L.minimum(a, b)],
    "addcdiv": lambda L, a, b, c: a.addcdiv(b, c, value=1),
    "addcmul": lambda L, a, b, c: a.addcmul(b, c, value=1),
    "masked_select": lambda L, a, b, c: c.masked_select(a < b),
    "masked_fill": lambda L, a, b, c: c.masked_fill(a < b, 1.0),
    "masked_scatter": lambda L, a, b, c: c.masked_scatter(a < b, L.t(np.arange(24.0))),
    "copy": lambda L, a, b, c: c.clone().copy_(a),
}.items():
    case(f"broadcast_{_fn}", lambda L, f=_f: _bc(L, f))
case("broadcast_inplace_refuses_growing_self", lambda L: L.t(R(3)).add_(L.t(R(2, 3))))
case(
    "broadcast_inplace_addcmul_growing_self", lambda L: L.t(R(3)).addcmul_(L.t(R(2, 3)), L.t(R(3)))
)

# test_dist
for _p in (0, 1, 2, 3, 4, math.inf, -math.inf, 1.5):
    case(
        f"dist_p{_p}",
        lambda L, p=_p: [L.t(R(5)).dist(L.t(R(5)), p), L.t([0.0, 0, 0]).dist(L.t([0.0, 1, 0]), p)],
    )

# test_scatter_zero_size_index
case(
    "scatter_zero_size_index",
    lambda L: L.arange(4.0).scatter(0, L.t(np.zeros((0, 4), np.int64)), L.t(np.zeros((0, 4)))),
)

# test_repeat_interleave
case(
    "repeat_interleave_tensor_repeats",
    lambda L: [
        L.t([[1, 2], [3, 4]]).repeat_interleave(2),
        L.t([[1, 2], [3, 4]]).repeat_interleave(L.t([1, 2], L.i32), dim=0),
        L.t([[1, 2], [3, 4]]).repeat_interleave(L.t([1, 2]), dim=0),
    ],
)

# test_corrcoef, test_cov
_CORR = {
    "0x0": (0, 0),
    "1x0": (1, 0),
    "0x1": (0, 1),
    "2": (2,),
    "2x1": (2, 1),
    "2x2": (2, 2),
    "2x3": (2, 3),
    "5x10": (5, 10),
}
for _k, _s in _CORR.items():
    case(f"corrcoef_{_k}", lambda L, s=_s: L.t(R(*s)).corrcoef())
    case(f"cov_{_k}", lambda L, s=_s: L.t(R(*s)).cov())
case("corrcoef_special_values", lambda L: L.t([0, -2, np.nan, 10.2, np.inf]).corrcoef())
case("corrcoef_int", lambda L: L.t([[1, 5, 2], [4, 1, 3]], L.i32).corrcoef())
case("cov_int", lambda L: L.t([[1, 5, 2], [4, 1, 3]], L.i32).cov())
case("cov_complex", lambda L: L.t(R(2, 4) + 1j * R(2, 4)).cov())
for _corr in (0, 1, 2):
    case(
        f"cov_weights_correction{_corr}",
        lambda L, c=_corr: [
            L.t(R(3, 5)).cov(correction=c),
            L.t(R(3, 5)).cov(correction=c, fweights=L.t([1, 2, 3, 1, 4])),
            L.t(R(3, 5)).cov(correction=c, aweights=L.t([1.0, 2.5, 3, 1, 4])),
            L.t(R(3, 5)).cov(
                correction=c, fweights=L.t([1, 2, 3, 1, 4]), aweights=L.t([1.0, 2.5, 3, 1, 4])
            ),
        ],
    )

# test_pairwise_distance_empty, test_pdist_empty, test_cdist_empty
case(
    "pairwise_distance_empty",
    lambda L: [
        L.pairwise_distance(L.t(R(2, 0)), L.t(R(2, 0))),
        L.pairwise_distance(L.t(R(2, 0)), L.t(R(2, 0)), keepdim=True),
        L.pairwise_distance(L.t(R(0, 2)), L.t(R(0, 2))),
        L.pairwise_distance(L.t(R(0, 2)), L.t(R(0, 2)), keepdim=True),
    ],
)
case("pdist_empty", lambda L: [L.pdist(L.t(R(0, 2))), L.pdist(L.t(R(1, 2))), L.pdist(L.t(R(3, 0)))])
case(
    "cdist_empty",
    lambda L: [
        L.cdist(L.t(R(0, 5)), L.t(R(4, 5))),
        L.cdist(L.t(R(2, 5)), L.t(R(0, 5))),
        L.cdist(L.t(R(2, 0)), L.t(R(3, 0))),
        L.cdist(L.t(R(2, 0)), L.t(R(0, 0))),
    ],
)

# test_cumsum, test_cumprod, test_cummax_cummin (bool inputs, special values)
_BOOL33 = [[True, False, True], [False, False, False], [True, True, True]]
case(
    "cumsum_cumprod_bool",
    lambda L: [L.t(_BOOL33).cumsum(d) for d in (0, 1)] + [L.t(_BOOL33).cumprod(d) for d in (0, 1)],
)
case("cummax_cummin_bool", lambda L: [list(L.t(_BOOL33).cummax(0)), list(L.t(_BOOL33).cummin(0))])
case(
    "cummax_cummin_nan_inf",
    lambda L: [
        list(L.t([4, np.inf, 1.5, -np.inf, 0, np.nan, 1]).cummax(0)),
        list(L.t([4, np.inf, 1.5, -np.inf, 0, np.nan, 1]).cummin(0)),
    ],
)
case(
    "cummax_discontiguous",
    lambda L: list(L.t([[0, 1, 2, 3, 2, 1], [4, 5, 6, 5, 6, 7]]).t().contiguous().t().cummax(-1)),
)
case(
    "cummin_discontiguous",
    lambda L: list(L.t([[3, 2, 1, 0, 1, 2], [7, 6, 5, 4, 5, 2]]).t().contiguous().t().cummin(-1)),
)
case(
    "logcumsumexp_inf_nan",
    lambda L: L.t([-np.inf, -np.inf, 1.0, 1.0, np.inf, np.inf, np.nan, 1.0, 1.0]).logcumsumexp(0),
)

# test_diff, test_diff_noncontig
for _shape in ((1,), (1, 5), (3, 5), (1, 5, 1), (2, 3, 5)):
    for _dt in ("f64", "i64", "b", "c128"):

        def _diff(L, s=_shape, dt=_dt):
            x = L.t(R(*s) if dt != "c128" else R(*s) + 1j * R(*s), getattr(L, dt))
            x = x.t().contiguous().t() if x.ndim == 2 else x
            out = []
            for dim in range(x.ndim):
                pre = x.narrow(dim, 0, 1)
                for n in range(x.shape[dim] + 2):
                    out.append(x.diff(n, dim))
                    out.append(x.diff(n + 1, dim, prepend=pre, append=pre))
                out.append(x.diff(2, dim, prepend=x, append=x))
            return out

        case(f"diff{_shape}_{_dt}", _diff)
case("diff_prepend_ndim_mismatch", lambda L: L.ones((2, 3)).diff(dim=0, prepend=L.t([1, 2, 3.0])))
case("diff_prepend_shape_mismatch", lambda L: L.ones((2, 3)).diff(dim=0, prepend=L.t([[0, 1.0]])))
case("diff_of_0d", lambda L: L.t(2.0).diff())

# test_gradient_all, test_gradient_extreme_cases, test_gradient_type_promotion
for _shape, _dims in (
    ((5,), (0,)),
    ((4, 4), (0, 1)),
    ((3, 3, 3), (-1, 0)),
    ((4, 4, 4), (2,)),
    ((4, 5, 3, 4, 3), (1, 2)),
    ((1, 5), (1,)),
):
    for _eo in (1, 2):
        case(
            f"gradient{_shape}_dims{_dims}_edge{_eo}_scalar",
            lambda L, s=_shape, d=_dims, e=_eo: list(
                L.gradient(L.t(R(*s)), spacing=2.0, dim=d, edge_order=e)
            ),
        )
        case(
            f"gradient{_shape}_dims{_dims}_edge{_eo}_coords",
            lambda L, s=_shape, d=_dims, e=_eo: list(
                L.gradient(
                    L.t(R(*s)),
                    spacing=[L.t(np.cumsum(np.abs(R(s[k])) + 0.5)) for k in d],
                    dim=d,
                    edge_order=e,
                )
            ),
        )
case(
    "gradient_list_spacing",
    lambda L: list(L.gradient(L.t(R(4, 4)), spacing=[1.5, 3.0], dim=(0, 1))),
)
case(
    "gradient_int_input",
    lambda L: list(L.gradient(L.t([[1, 4, 9], [2, 3, 5], [0, 0, 1]]), dim=(0, 1))),
)
case("gradient_complex_input", lambda L: list(L.gradient(L.t(R(4, 4) + 1j * R(4, 4)), dim=(0, 1))))
case(
    "gradient_extremes",
    lambda L: list(
        L.gradient(
            L.t(
                [
                    2,
                    -2,
                    np.inf,
                    np.inf,
                    -np.inf,
                    -np.inf,
                    np.inf,
                    3,
                    -np.inf,
                    2,
                    np.nan,
                    np.nan,
                    3,
                    np.inf,
                    np.nan,
                ]
            )
        )
    ),
)
case("gradient_too_few_points", lambda L: L.gradient(L.t([1.0]), edge_order=1))

# test_bool_tensor_value_change, test_copy_all_dtypes_and_devices, test_clone_*
case("bool_tensor_value_change", lambda L: _setitems(L.t([True, False]), [(0, False), (1, True)]))


def _setitems(x, items):
    for k, v in items:
        x[k] = v
    return x


def _shallow_copy(L, dt):
    x = L.t([1, 2, 3, 4], getattr(L, dt))
    y = copy.copy(x)
    y.fill_(1)
    return [x, y]


for _dt in ("f64", "f32", "i64", "i8", "u8", "b", "c128"):
    case(f"copy_copy_shares_{_dt}", lambda L, d=_dt: _shallow_copy(L, d))
    case(f"clone_{_dt}", lambda L, d=_dt: L.t([1, 1], getattr(L, d)).clone())

# test_unfold_all_devices_and_dtypes, test_unfold_scalars
case(
    "unfold_empty",
    lambda L: [L.zeros((0, 1, 3, 0), dtype=d).unfold(2, 3, 2).shape for d in (L.f64, L.i64, L.b)],
)
case(
    "unfold_0d",
    lambda L: [L.t(0.5).unfold(0, 0, 1), L.t(0.5).unfold(0, 0, 2), L.t(0.5).unfold(0, 1, 1)],
)

# test_copy_transpose_math_view (copy_ from transposed sources), test_copy_transpose,
# test_copy_broadcast, test_copy_many_to_one, test_copy_float16, test_copy_
case(
    "copy_from_transposed",
    lambda L: [
        L.zeros((4, 4), dtype=d).copy_(L.arange(16.0).reshape(4, 4).t())
        for d in (L.f64, L.f32, L.c128, L.i64)
    ],
)
case("copy_broadcast_row", lambda L: L.zeros((5, 6)).copy_(L.t(R(6))))
case("copy_broadcast_bad", lambda L: L.zeros((5, 6)).copy_(L.zeros(30)))
for _o, _s in [
    ((1, 2, 3), (0, 2, 3)),
    ((1, 5, 6), (4, 5, 6)),
    ((4, 5, 6), (6, 5, 4)),
    ((4, 5, 6), (1, 5, 6)),
    ((0, 2, 3), ()),
    ((4, 5, 6), (4, 5, 1)),
]:
    for _d in ("f32", "f16"):
        case(
            f"copy_shapes{_o}<-{_s}_{_d}",
            lambda L, o=_o, s=_s, d=_d: L.zeros(o).copy_(L.ones(s, dtype=getattr(L, d))),
        )
for _dst in ("f64", "f32", "i64", "i8", "u8", "b", "c128"):
    for _src in ("f64", "i64", "b", "c128", "u8"):
        case(
            f"copy__{_dst}<-{_src}",
            lambda L, a=_dst, b=_src: L.zeros(6, dtype=getattr(L, a)).copy_(
                L.t([0.5, -1.5, 2.0, 0.0, 3.25, 1.0], getattr(L, b))
                if b not in ("u8", "b")
                else L.t([0, 1, 2, 0, 3, 1], getattr(L, b))
            ),
        )
case(
    "item_of_each_dtype",
    lambda L: [L.ones((), dtype=d).item() for d in (L.f64, L.f32, L.i64, L.i8, L.u8, L.b, L.c128)],
)

# test_addcmul, test_addcdiv
for _dt in ("f64", "f32", "i64", "c128"):
    if _dt == "i64":  # torch refuses integer addcdiv: test_differs[addcdiv_of_integers]
        case(
            "addcmul_i64",
            lambda L: (lambda a, b, c: [a.addcmul(b, c, value=3), a + 3 * b * c])(
                *[L.t(np.abs(R(2, 2)) * 3 + 1, L.i64) for _ in range(3)]
            ),
        )
        continue
    case(
        f"addcmul_{_dt}",
        lambda L, d=_dt: (lambda a, b, c, v: [a.addcmul(b, c, value=v), a + v * b * c])(
            *[L.t(np.abs(R(2, 2)) * 3 + 1, getattr(L, d)) for _ in range(3)],
            3 if d == "i64" else (0.5 if d != "c128" else 0.5 + 0.5j),
        ),
    )
    case(
        f"addcdiv_{_dt}",
        lambda L, d=_dt: (lambda a, b, c, v: [a.addcdiv(b, c, value=v), a + v * b / c])(
            *[L.t(np.abs(R(2, 2)) * 3 + 1, getattr(L, d)) for _ in range(3)],
            3 if d == "i64" else (0.5 if d != "c128" else 0.5 + 0.5j),
        ),
    )

# test_narrow_empty, test_narrow_copy_non_contiguous
case(
    "narrow_to_empty",
    lambda L: [L.t(R(2, 3, 4)).narrow(d, s, 0).shape for d, s in ((0, 2), (1, 3), (2, 4))],
)
case("narrow_copy_transposed", lambda L: L.t(R(10, 2)).movedim(-1, 0).narrow_copy(1, 0, 10))

# test_index_copy_scalars, test_errors_index_copy, test_index_fill (complex into real),
# test_index_select (0-d), test_take (0-d, reshaped index), test_put (0-d), test_take_empty,
# test_put_empty, test_index_add_correctness (bounds)
case(
    "index_copy_scalars",
    lambda L: [
        L.t(R(*st)).index_copy_(0, L.t(np.zeros(si, np.int64)), L.t(R(*ss)))
        for st in ((), (1,))
        for si in ((), (1,))
        for ss in ((), (1,))
    ],
)
for _i in (5, -1, -6):
    case(
        f"index_copy_out_of_range{_i}",
        lambda L, i=_i: L.t(R(3, 5)).index_copy_(1, L.t(np.full(8, i)), L.zeros((3, 8))),
    )
case(
    "index_fill_complex_into_real", lambda L: L.t([[1, 2], [4, 5]]).index_fill_(1, L.t([0]), 1 + 1j)
)
case(
    "index_fill_0d",
    lambda L: [L.t(1.0).index_fill(0, L.t([0]), -1), L.t(1.0).index_fill_(0, L.t([0]), -1)],
)
case(
    "index_select_0d",
    lambda L: [
        L.t(R(*s)).index_select(0, L.t(np.zeros(i, np.int64)))
        for s in ((), (1,))
        for i in ((), (1,))
    ],
)
case(
    "take_reshaped_index",
    lambda L: [L.t(R(4, 5)).take(L.t([[0, 7], [19, 3]])), L.t(R(4, 5)).t().take(L.t([1, 2, 3, 4]))],
)
case(
    "take_empty",
    lambda L: [
        L.empty(s).take(L.t(np.empty(i, np.int64)))
        for s in ((0,), (0, 1, 2, 0), (1, 2, 3))
        for i in ((0,), (0, 1, 2, 0))
    ],
)
case(
    "put_scalars",
    lambda L: [
        L.t(R(*st)).put(L.t(np.zeros(si, np.int64)), L.t(R(*ss)), acc)
        for st in ((), (1,))
        for si in ((), (1,))
        for ss in ((), (1,))
        for acc in (True, False)
    ],
)
case(
    "put_empty",
    lambda L: [
        L.t(R(*s)).put_(L.t(np.empty(i, np.int64)), L.t(R(*i)), acc)
        for s in ((0,), (0, 1, 2, 0), (1, 2, 3))
        for i in ((0,), (0, 1, 2, 0))
        for acc in (False, True)
    ],
)
case(
    "put_accumulate_into_one",
    lambda L: L.t(R(1)).put(L.t(np.zeros(300, np.int64)), L.t(R(300)), True),
)
case(
    "put_repeated_reshaped_index",
    lambda L: [
        L.t(R(4, 5)).put(L.t([[3, 3], [0, 19]]), L.t(R(2, 2)), True),
        L.t(R(4, 5)).t().put(L.t([1, 7, 2, 0]), L.t(R(4)), False),
    ],
)
case(
    "index_add_out_of_range",
    lambda L: (
        L.zeros((1, 8, 4)).index_add_(1, L.t(np.full(9, 1)), L.ones((1, 9, 4)))
        if False
        else L.zeros((1, 8, 4)).index_add_(1, L.t(np.full(4, 8)), L.ones((1, 4, 4)))
    ),
)
case(
    "index_add_alpha_int_dtypes",
    lambda L: [
        L.zeros((5, 5), dtype=d).index_add(
            0, L.arange(5), L.t(np.arange(25).reshape(5, 5), d), alpha=-1
        )
        for d in (L.i64, L.i32, L.i8, L.f32)
    ],
)

# test_scatter_reduce_*, test_scatter_to_large_input, test_scatter_bool, test_scatter_add_bool
case(
    "scatter_reduce_kwarg",
    lambda L: [
        L.zeros((4, 4)).scatter_(0, L.t([[1], [2]]), L.ones((2, 2)), reduce="add"),
        L.full((4, 4), 2.0).scatter_(0, L.t([[1], [2]]), L.full((2, 2), 6.0), reduce="multiply"),
        L.zeros((4, 4)).scatter_(0, L.t([[1], [2]]), 1.0, reduce="add"),
        L.full((4, 4), 2.0).scatter_(0, L.t([[1], [2]]), 2.0, reduce="multiply"),
        L.ones((2, 2)).scatter_(0, L.zeros((2, 2), dtype=L.i64), L.ones((2, 2)), reduce="add"),
        L.full((2, 2), 2.0).scatter_(
            0, L.zeros((2, 2), dtype=L.i64), L.full((2, 2), 2.0), reduce="multiply"
        ),
    ],
)
case(
    "scatter_bool",
    lambda L: L.zeros((3, 3), dtype=L.b).scatter_(
        0, L.t([[0, 1, 2], [0, 1, 2]]), L.t([[True] * 3] * 2)
    ),
)
case(
    "scatter_add_bool",
    lambda L: L.zeros((3, 5), dtype=L.b).scatter_add_(
        0, L.t([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]]), L.t([[True] * 5] * 2)
    ),
)
case(
    "scatter_add_non_unique_index",
    lambda L: L.ones((2, 70)).scatter_add_(0, L.zeros((2, 70), dtype=L.i64), L.ones((2, 70))),
)

# test_masked_scatter, test_masked_scatter_bool_tensor, test_masked_scatter_inplace_noncontiguous
case(
    "masked_scatter_values",
    lambda L: [
        L.arange(1, 11).masked_scatter_(
            L.t([0, 0, 0, 0, 1, 0, 1, 0, 1, 0], L.b), L.zeros(10, dtype=L.i64)
        ),
        L.arange(1, 11).masked_scatter_(
            L.t([0, 0, 0, 0, 1, 0, 1, 0, 1, 0], L.b), L.ones(10, dtype=L.i64)
        ),
    ],
)
case(
    "masked_scatter_source_too_small",
    lambda L: L.arange(1.0, 11).masked_scatter_(
        L.t([0, 0, 0, 0, 1, 0, 1, 0, 1, 0], L.b), L.zeros(2)
    ),
)
case(
    "masked_scatter_empty",
    lambda L: [
        L.empty((5, 0, 5)).masked_scatter_(L.ones((5, 0, 5), dtype=L.b), L.empty(0)),
        L.empty((5, 0, 5)).masked_scatter_(L.ones((5, 1, 5), dtype=L.b), L.empty(0)),
    ],
)
case(
    "masked_scatter_bool_tensor",
    lambda L: [
        L.t([False, False, False]).masked_scatter_(L.t([False, True, False]), L.t([True] * 3)),
        L.t([False, True, False]).masked_scatter(L.t([True, False, True]), L.t([True] * 3)),
    ],
)
case(
    "masked_scatter_noncontiguous",
    lambda L: [
        L.zeros((5, 2), dtype=L.i64).t().masked_scatter_(m, L.t([[1, 2, 3, 4, 5], [6, 7, 8, 9, 9]]))
        for m in (
            L.t([[False, True], [False, True], [False, False], [True, True], [True, True]]).t(),
            L.t([[False, True], [False, True], [False, False], [True, True], [True, True]])
            .t()
            .contiguous(),
        )
    ],
)

# test_masked_select (mask dtypes, broadcasting), test_masked_select_discontiguous,
# test_masked_fill (uint8 masks, non-contiguous), test_masked_fill_bool_tensor
case("masked_select_uint8_mask", lambda L: L.zeros(4).masked_select(L.t([1, 0, 1, 0], L.u8)))
case(
    "masked_select_broadcast",
    lambda L: [
        L.t(R(6, 5)).masked_select(L.t([True, False, False, True, False])),
        L.t(R(6, 5)).masked_select(L.t([[True]] + [[False]] * 5)),
        L.t(R(5)).masked_select(L.t([[True], [True], [False], [True]])),
    ],
)
case(
    "masked_select_discontiguous",
    lambda L: [
        v.masked_select(m)
        for v in (L.t(R(10, 10)), L.t(R(10, 10)).t())
        for m in (L.t(np.tile([True, False], (10, 5))), L.t(np.tile([True, False], (10, 5))).t())
    ],
)
case("masked_fill_uint8_mask", lambda L: L.zeros(4).masked_fill_(L.t([1, 0, 1, 0], L.u8), 0.5))
case(
    "masked_fill_permuted",
    lambda L: (lambda d: d.masked_fill_(d > 0, 0.25))(L.t(R(4, 4, 4)).permute((2, 0, 1))),
)
case(
    "masked_fill_bool_tensor",
    lambda L: [
        L.t([True, False, True]).masked_fill_(L.t([False, True, False]), True),
        L.t([True, True, True]).masked_fill(L.t([False, True, False]), False),
    ],
)

# test_tensor_shape_empty, test_dim_function_empty
_E = (0, 1, 3, 0)
case(
    "shape_empty_flatten_squeeze",
    lambda L: [
        L.flatten(L.t(R(*_E)), 0, 3).shape,
        L.flatten(L.t(R(*_E)), 0, 2).shape,
        L.flatten(L.t(R(*_E)), 1, 2).shape,
        L.t(R(*_E)).unsqueeze(1).shape,
        L.t(R(*_E)).squeeze(1).shape,
        L.t(R(*_E)).squeeze().shape,
    ],
)
case(
    "shape_empty_transpose_select_repeat_permute",
    lambda L: [
        L.t(R(*_E)).transpose(1, 3).shape,
        L.t(R(5, 0)).t().shape,
        L.t(R(*_E)).select(2, 2).shape,
        L.t(R(*_E)).tile((9, 7, 5, 2, 3)).shape,
        L.t(R(*_E)).permute(2, 3, 0, 1).shape,
    ],
)
case(
    "shape_empty_diagonal",
    lambda L: [
        L.diagonal(L.t(R(5, 0))).shape,
        L.diagonal(L.t(R(0, 5))).shape,
        L.diagonal(L.t(R(5, 0)), offset=1).shape,
        L.diagonal(L.t(R(0, 5)), offset=1).shape,
        L.diagonal(L.t(R(3, 4, 5, 6)), offset=45252).shape,
        L.diagonal(L.t(R(3, 4, 5, 6)), offset=-45252).shape,
    ],
)
case(
    "shape_empty_diagflat",
    lambda L: [
        L.diagflat(L.t(np.zeros(0))),
        L.diagflat(L.t(np.zeros(0)), 1),
        L.diagflat(L.t(np.zeros((1, 0)))),
        L.diagflat(L.t(np.zeros((1, 0))), 1),
    ],
)
case(
    "shape_empty_stack_chunk_split",
    lambda L: [
        L.stack([L.t(R(*_E))] * 4).shape,
        [z.shape for z in L.chunk(L.t(R(*_E)), 1, dim=0)],
        [z.shape for z in L.chunk(L.t(R(*_E)), 3, dim=0)],
        [z.shape for z in L.chunk(L.t(R(*_E)), 3, dim=2)],
        [z.shape for z in L.split(L.t(R(*_E)), [0, 1, 2], dim=2)],
        [z.shape for z in L.split(L.t(R(*_E)), 1, dim=0)],
        [z.shape for z in L.split(L.t(R(*_E)), 0, dim=0)],
    ],
)
case("shape_empty_split_size_0_nonempty_dim", lambda L: L.split(L.t(R(*_E)), 0, dim=1))
_E2 = (0, 1, 2, 0)
case(
    "dim_empty_softmax_cum",
    lambda L: [
        L.t(R(*_E2)).softmax(0),
        L.t(R(*_E2)).log_softmax(2),
        L.t(R(*_E2)).cumsum(0),
        L.t(R(*_E2)).cumprod(2),
        list(L.t(R(*_E2)).cummax(2)),
        list(L.t(R(*_E2)).cummin(0)),
        L.t(R(*_E2)).logcumsumexp(2),
    ],
)
case(
    "dim_empty_flip_roll_unbind",
    lambda L: [
        L.t(R(*_E2)).flip(0),
        L.t(R(*_E2)).flip(2),
        L.t(R(*_E2)).roll(0, 1),
        L.t(R(*_E2)).roll(1, 1),
        L.t(R(*_E2)).roll(1),
        L.t(R(*_E2)).roll((1, 1), (3, 1)),
        list(L.t(R(*_E2)).unbind(0)),
        list(L.t(R(*_E2)).unbind(2)),
    ],
)
case(
    "dim_empty_sort_topk_renorm",
    lambda L: [
        list(L.t(R(*_E2)).sort(dim=0)),
        list(L.t(R(*_E2)).sort(dim=2)),
        list(L.t(R(*_E2)).topk(0, 0)),
        list(L.t(R(*_E2)).topk(1, 2)),
        list(L.t(R(2, 3, 4)).topk(0)),
        L.t(R(*_E2)).renorm(1, 0, 5),
        L.t(R(*_E2)).renorm(1, 2, 5),
    ],
)
case(
    "dim_empty_gather_scatter",
    lambda L: [
        L.t(R(*_E2)).gather(0, L.zeros(_E2, dtype=L.i64)).shape,
        L.t(R(*_E2)).gather(2, L.zeros((0, 1, 3, 0), dtype=L.i64)).shape,
        L.t(R(2, 3, 4)).gather(0, L.zeros((0, 3, 4), dtype=L.i64)).shape,
        L.t(R(*_E2)).scatter_(2, L.zeros(_E2, dtype=L.i64), L.t(R(*_E2))).shape,
        L.t(R(2, 3, 4)).scatter_(2, L.zeros((2, 3, 0), dtype=L.i64), L.t(R(2, 3, 4))),
        L.t(R(2, 3, 4)).scatter_add_(2, L.zeros((2, 3, 0), dtype=L.i64), L.t(R(2, 3, 4))),
    ],
)
case(
    "dim_empty_index_ops",
    lambda L: [
        L.t(R(*_E2)).index_fill_(2, L.t([0, 1]), -1),
        L.t(R(*_E2)).index_copy_(2, L.t(np.zeros(0, np.int64)), L.t(R(0, 1, 0, 0))),
        L.t(R(*_E2)).index_add_(2, L.t([0, 1]), L.t(R(0, 1, 2, 0))),
        L.t(R(2, 3, 4)).index_fill_(0, L.t(np.zeros(0, np.int64)), -1),
        L.t(R(2, 3, 4)).index_add_(0, L.t(np.zeros(0, np.int64)), L.t(R(0, 3, 4))),
        L.t(R(*_E2)).index_select(2, L.t(np.zeros(0, np.int64))).shape,
        L.t(R(2, 3, 4)).index_select(0, L.t(np.zeros(0, np.int64))).shape,
        L.t(R(0, 3)).index_select(1, L.t([0, 1])).shape,
        L.t(R(3, 0)).index_select(0, L.t([0, 1], L.i32)).shape,
        L.t(R()).index_select(0, L.t([0], L.i32)).shape,
    ],
)
case("index_select_out_of_range", lambda L: L.t(R(0, 3)).index_select(1, L.t([0, 5])))
case("index_select_0d_empty_index", lambda L: L.t(R()).index_select(0, L.t(np.zeros(0, int))))

# test_*_mem_overlap, test_nullary_op_mem_overlap, test_ternary_op_mem_overlap: in-place
# writes through an expanded tensor (several elements, one memory location) raise in both
_MASK6 = [True, False, True, True, False, False]
for _name, _f in {
    "index_add_": lambda L, x: x.index_add_(0, L.t([2, 1, 0]), L.t([1.0, 2, 3])),
    "index_copy_": lambda L, x: x.index_copy_(0, L.t([2, 1, 0]), L.t([1.0, 2, 3])),
    "put_": lambda L, x: x.put_(L.t([2, 1, 0]), L.t([1.0, 2, 3])),
    "masked_scatter_": lambda L, x: x.masked_scatter_(L.t(_MASK6), L.t([1.0, 2, 3])),
    "scatter_": lambda L, x: x.scatter_(0, L.t([2, 1, 0]), L.t([1.0, 2, 3])),
    "bernoulli_": lambda L, x: x.bernoulli_(0.5),
    "uniform_": lambda L, x: x.uniform_(),
    "normal_": lambda L, x: x.normal_(),
    "copy_": lambda L, x: x.copy_(L.t(R(6))),
    "addcmul_": lambda L, x: x.addcmul_(L.t(R(6)), L.t(R(6))),
    "addcdiv_": lambda L, x: x.addcdiv_(L.t(R(6)), L.t(R(6))),
    "lerp_": lambda L, x: x.lerp_(L.t(R(6)), 0.5),
}.items():
    case(f"expanded_{_name}", lambda L, f=_f: f(L, L.t([1.0]).expand(6)))

# test_multinomial_empty_*, test_multinomial_invalid_probs (the draws: test_multinomial_draws)
for _r in (True, False):
    for _n in (1, 2):
        case(
            f"multinomial_empty_repl{_r}_n{_n}",
            lambda L, r=_r, n=_n: (lambda s: [s.shape, s.dtype == L.i64])(
                L.ones((0, 3)).multinomial(n, r)
            ),
        )
for _k, _p in enumerate(
    [[1.0, -1, 1], [1, np.inf, 1], [1, -np.inf, 1], [1, 1, np.nan], [0.0, 0, 0]]
):
    case(f"multinomial_invalid_{_k}", lambda L, p=_p: L.t(p).multinomial(2))

# more of test_index_*, test_put, test_take, test_masked_*, test_fill_diagonal: refusals
case("index_select_0d_two_indices", lambda L: L.ones(()).index_select(0, L.t([0, 0], L.i32)))
case("index_select_float_index", lambda L: L.t(R(3)).index_select(0, L.t([0.0, 1.0])))
case("take_out_of_range", lambda L: L.t(R(2, 3)).take(L.t([6])))
case("take_negative", lambda L: L.t(R(2, 3)).take(L.t([-1, -6])))
case("take_below_range", lambda L: L.t(R(2, 3)).take(L.t([-7])))
case("put_out_of_range", lambda L: L.t(R(2, 3)).put_(L.t([6]), L.t([1.0])))
case("put_negative", lambda L: L.t(R(2, 3)).put(L.t([-1, -6]), L.t([1.0, 2.0])))
case(
    "put_int_accumulate",
    lambda L: L.t([[1, 2, 3], [4, 5, 6]]).put(L.t([0, 0, 5]), L.t([7, 8, 9]), True),
)
case(
    "masked_fill_complex_into_real",
    lambda L: L.t(R(3)).masked_fill_(L.t([True, False, True]), 1 + 1j),
)
case(
    "masked_fill_growing_self",
    lambda L: L.t(R(3)).masked_fill_(L.t([[True, False, True]] * 2), 0.0),
)
case(
    "masked_scatter_uint8_mask",
    lambda L: L.t(R(3)).masked_scatter_(L.t([1, 0, 1], L.u8), L.t(R(3))),
)
case(
    "masked_scatter_growing_self",
    lambda L: L.t(R(3)).masked_scatter_(L.t([[True, False, True]] * 2), L.t(R(6))),
)
case("fill_diagonal_1d", lambda L: L.t(R(3)).fill_diagonal_(1.0))
case("lerp_growing_self", lambda L: L.t(R(3)).lerp_(L.t(R(2, 3)), 0.5))
case("index_add_float_index", lambda L: L.zeros(3).index_add_(0, L.t([0.0]), L.t([1.0])))
case("index_fill_int_value_into_bool", lambda L: L.t([True, False]).index_fill_(0, L.t([1]), 1))
case("scatter_add_index_out_of_range", lambda L: L.zeros(3).scatter_add_(0, L.t([3]), L.t([1.0])))
case("gather_index_out_of_range", lambda L: L.t(R(3)).gather(0, L.t([3])))
case("gather_negative_index", lambda L: L.t(R(3)).gather(0, L.t([-1])))

# test_memory_format_operators: the values of the Tensor methods it calls (not the layouts);
# in-place forms on a copy. x is standard normal (values off a domain give nan in both), y > 1
_EW_METHODS = {
    "abs": (),
    "acos": (),
    "acosh": (),
    "asin": (),
    "asinh": (),
    "atan": (),
    "atanh": (),
    "ceil": (),
    "cos": (),
    "cosh": (),
    "digamma": (),
    "erf": (),
    "erfc": (),
    "erfinv": (),
    "exp": (),
    "expm1": (),
    "floor": (),
    "frac": (),
    "i0": (),
    "log": (),
    "log10": (),
    "log1p": (),
    "log2": (),
    "neg": (),
    "reciprocal": (),
    "round": (),
    "rsqrt": (),
    "sigmoid": (),
    "logit": (),
    "sign": (),
    "sgn": (),
    "sin": (),
    "sinh": (),
    "sqrt": (),
    "tan": (),
    "tanh": (),
    "trunc": (),
    "div": (0.5,),
    "mul": (3,),
    "pow": (3,),
    "fmod": (2,),
    "remainder": (2,),
    "clamp": (-1, 1),
}
_EW_Y = {
    "add": {"alpha": 3},
    "addcdiv": {"value": 2},
    "addcmul": {"value": 2},
    "atan2": {},
    "div": {},
    "hypot": {},
    "lerp": {},
}


def _ew(L, name, args, with_y, inplace):
    x, y = L.t(R(2, 3, 4, 4)), L.t(np.abs(R(2, 3, 4, 4)) + 1)
    f = getattr(x.clone() if inplace else x, name + ("_" if inplace else ""))
    if not with_y:
        return f(*args)
    if name in ("addcdiv", "addcmul"):
        return f(y, y, **args)
    if name == "lerp":
        return f(y, 0.5)
    return f(y, **args)


for _name, _args in _EW_METHODS.items():
    for _ip in (False, True):
        case(
            f"method_{_name}{'_' if _ip else ''}",
            lambda L, n=_name, a=_args, i=_ip: _ew(L, n, a, False, i),
        )
for _name, _kw in _EW_Y.items():
    for _ip in (False, True):
        case(
            f"method_{_name}{'_' if _ip else ''}_y",
            lambda L, n=_name, k=_kw, i=_ip: _ew(L, n, k, True, i),
        )
case("method_logit_eps", lambda L: [L.t(R(5)).logit(1e-6), L.t(R(5)).clone().logit_(1e-6)])
case("method_pow_0_1", lambda L: [L.t(R(5)).pow(0.0), L.t(R(5)).pow(1.0)])
case("method_chunk_add", lambda L: (lambda a, b: a + b)(*L.t(R(2, 4, 3)).chunk(2, dim=1)))
case(
    "method_unsqueeze_add_clone",
    lambda L: [L.t(R(2, 3))[0].unsqueeze(0) + 3, L.t(R(2, 3))[0].unsqueeze(0).clone()],
)
case(
    "method_cumsum__cumprod_",
    lambda L: [
        L.t(R(3, 4)).cumsum_(1),
        L.t(R(3, 4)).cumprod_(0),
        L.t(0.5).cumsum_(0),
        L.t(R(3)).cumsum_(-1),
    ],
)

# test_exponential, test_cauchy, test_log_normal, test_geometric: dtypes, shapes, the
# extremal values and the refusals (the distributions: test_random_fills)
for _fill, _args in (
    ("exponential_", (0.5,)),
    ("cauchy_", (0.0, 0.5)),
    ("log_normal_", ()),
    ("geometric_", (0.5,)),
):
    case(
        f"fill_{_fill}keeps_dtype_shape",
        lambda L, f=_fill, a=_args: [
            (lambda t: (t.dtype == d, tuple(t.shape)))(getattr(L.t([10.0], d), f)(*a))
            for d in (L.f32, L.f64)
        ],
    )
case("fill_exponential_inf_rate", lambda L: L.empty(3).exponential_(float("inf")))
case("fill_exponential_negative_rate", lambda L: L.empty(3).exponential_(-0.5))
case("fill_exponential_zero_rate", lambda L: L.empty(3).exponential_(0))
case("fill_exponential_int", lambda L: L.zeros(3, dtype=L.i64).exponential_())
case("fill_exponential_complex", lambda L: L.zeros(3, dtype=L.c128).exponential_())
case("fill_cauchy_inf_median", lambda L: L.empty(3).cauchy_(float("inf"), 0.5))
case("fill_cauchy_zero_sigma", lambda L: L.empty(3).cauchy_(0.0, 0.0))
case("fill_log_normal_zero_std", lambda L: L.empty(3).log_normal_(1.0, 0.0))
case("fill_geometric_p0", lambda L: L.empty(3).geometric_(0))
case("fill_geometric_p1", lambda L: L.empty(3).geometric_(1))
case(
    "fill_geometric_int",
    lambda L: (lambda t: [t.dtype == L.i64, bool((t >= 1).all())])(
        L.zeros(50, dtype=L.i64).geometric_(0.5)
    ),
)


# test_random*, test_random_neg_values: random_'s ranges and refusals
def _in_range(t, lo, hi):
    return [bool((t >= lo).all()), bool((t <= hi).all())]


for _dt in ("f32", "f64", "i8", "i16", "i32", "i64"):
    case(
        f"random_from_to_{_dt}",
        lambda L, d=_dt: _in_range(L.full((200,), -1, dtype=getattr(L, d)).random_(1, 4), 1, 3),
    )
    case(
        f"random_to_{_dt}",
        lambda L, d=_dt: _in_range(L.full((200,), -1, dtype=getattr(L, d)).random_(4), 0, 3),
    )
    case(
        f"random_default_{_dt}",
        lambda L, d=_dt: (
            lambda t: _in_range(
                t,
                0,
                2**24
                if d == "f32"
                else 2**53
                if d == "f64"
                else np.iinfo(np.dtype(getattr(GL, d))).max,
            )
        )(L.zeros(200, dtype=getattr(L, d)).random_()),
    )
    case(
        f"random_from_not_below_to_{_dt}",
        lambda L, d=_dt: L.zeros(3, dtype=getattr(L, d)).random_(5, 5),
    )
for _dt in ("f32", "f64", "i16", "i32", "i64"):
    case(
        f"random_neg_values_{_dt}",
        lambda L, d=_dt: _in_range(
            L.zeros((10, 10), dtype=getattr(L, d)).random_(-10, -1), -10, -2
        ),
    )
case("random_bool", lambda L: _in_range(L.zeros(200, dtype=L.b).random_(), False, True))
case("random_bool_from_to", lambda L: _in_range(L.zeros(200, dtype=L.b).random_(0, 2), 0, 1))
case("random_bool_to_out_of_bounds", lambda L: L.zeros(3, dtype=L.b).random_(0, 3))
case("random_bool_from_out_of_bounds", lambda L: L.zeros(3, dtype=L.b).random_(-1, 1))
case("random_int8_from_out_of_bounds", lambda L: L.zeros(3, dtype=L.i8).random_(-200, 0))
case("random_int8_to_out_of_bounds", lambda L: L.zeros(3, dtype=L.i8).random_(0, 300))
case(
    "random_uint8_full_range",
    lambda L: _in_range(L.zeros(500, dtype=L.u8).random_(0, None), 0, 255),
)

# test_uniform_from_to, test_normal_std_error: the refusals of the in-place fills
case("uniform_reversed_range", lambda L: L.zeros(3).uniform_(1, 0))
case("uniform_empty_range", lambda L: L.zeros(3).uniform_(2, 2))
case("uniform_infinite_bound", lambda L: L.zeros(3).uniform_(0, float("inf")))
case("uniform_range_too_wide", lambda L: L.zeros(3).uniform_(-1e308, 1e308))
case("normal_negative_std", lambda L: L.zeros(3).normal_(0, -1))
case("normal_zero_std", lambda L: L.zeros(3).normal_(2, 0))

# test_is_signed, test_element_size, test_nbytes, test_ndim, test_numel
case(
    "is_signed",
    lambda L: [
        L.zeros(2, dtype=d).is_signed() for d in (L.i32, L.u8, L.i8, L.f32, L.f16, L.b, L.c64)
    ],
)
case(
    "element_size_itemsize_nbytes",
    lambda L: [
        (
            L.zeros(3, dtype=d).element_size(),
            L.zeros(3, dtype=d).itemsize,
            L.zeros((1, 2, 3), dtype=d).nbytes,
            L.zeros((), dtype=d).nbytes,
        )
        for d in (L.u8, L.i8, L.i16, L.i32, L.i64, L.f16, L.f32, L.f64, L.b, L.c64, L.c128)
    ],
)
case(
    "ndim_numel_nelement",
    lambda L: [
        (x.ndim, x.numel(), x.nelement(), x.dim())
        for x in (L.t(R(1, 2, 3)), L.t(R()), L.t(R(1, 0)))
    ],
)

# test_where_scalar_handcrafted_values, test_tensor_where_scalar
for _x in (True, 3, 7.0, 1 + 0.5j):
    for _y in (False, 4, 8.0, 2 + 0.5j, "b", "u8", "i8", "i64", "f32", "f64", "c64", "c128"):

        def _where(L, x=_x, y=_y):
            cond = L.t(np.array([[True, False, True, False, True]] * 5))
            if isinstance(y, str):
                y = L.full((5,), 17, dtype=getattr(L, y))
            return [L.where(cond, x, y), L.where(cond, y, x)]

        case(f"where_scalar_{_x!r}_{_y!r}", _where)
case(
    "where_scalar_method",
    lambda L: [
        L.where(L.arange(4.0) != 0, L.arange(4.0), 0.001),
        L.arange(4.0).where(L.arange(4.0) != 0, 0.001),
    ],
)

# test_newaxis_numpy_comparison, test_newindex, test_slice
_N = None
for _k, _idx in enumerate(
    [
        (_N,),
        (_N, _N),
        (..., _N),
        (_N, ...),
        (2, _N),
        (_N, 2),
        (..., _N, 2),
        (2, ..., _N),
        (_N, 2, ...),
    ]
):
    case(f"newaxis_1d_{_k}", lambda L, i=_idx: L.arange(10)[i])
for _k, _idx in enumerate(
    [
        (_N, _N, _N),
        (..., _N, _N),
        (_N, ..., _N),
        (1, 2, _N),
        (1, ..., 2, _N),
        (..., 1, _N, 2),
        (1, _N, 2, ...),
        (_N, 1, ..., 2),
    ]
):
    case(f"newaxis_2d_{_k}", lambda L, i=_idx: L.arange(12).reshape(3, 4)[i])


def _partial_assign(L, index):
    ref = L.zeros((3, 3, 3))
    src = L.arange(1.0, 28).reshape(3, 3, 3)
    ref[index] = src[index]
    first = ref.clone()
    ref[index] = 0
    return [first, ref]


for _k, _idx in enumerate([0, 1, 2, (0, 1), (1, 2), (0, 2)]):
    case(f"newindex_assign_{_k}", lambda L, i=_idx: _partial_assign(L, i))
case("newindex_assign_long_index", lambda L: _partial_assign(L, L.t([0, 2])))
for _k, _idx in enumerate(
    [
        (1, 1, 1, 1),
        (1, 1, 1, (1, 1)),
        (3,) * 8,
        0.0,
        slice(0.0, 2.0),
        (0.0, slice(0.0, 2.0)),
        (0.0, slice(None), 0.0),
    ]
):
    case(f"newindex_bad_{_k}", lambda L, i=_idx: _setitems(L.zeros((3, 3, 3)), [(i, 1.0)]))
case(
    "slice_clamping",
    lambda L: [
        L.arange(16.0).reshape(4, 4)[s]
        for s in (
            slice(None),
            slice(4),
            slice(5),
            slice(2, 1),
            slice(2, 2),
            slice(10, 12),
            slice(1),
            slice(-3),
            (slice(None), slice(-2, 3)),
            slice(0, -1, 2),
        )
    ],
)

# test_unflatten
for _k, (_sh, _d, _sz) in enumerate(
    [
        ((0,), 0, (0, 1)),
        ((1,), 0, (1, 1)),
        ((4,), 0, (2, 2)),
        ((4,), 0, [2, 2]),
        ((2, 10), 1, (5, 2)),
        ((4,), 0, (-1, 2)),
        ((2, 10), 1, (5, -1)),
        ((2, 10), 1, (-1,)),
        ((2, 360), 1, (3, 4, -1, 6)),
        ((2, 0, 2), 1, (3, -1, 4, 5)),
    ]
):
    case(f"unflatten_{_k}", lambda L, s=_sh, d=_d, z=_sz: L.t(R(*s)).unflatten(d, z))
for _k, (_sh, _d, _sz) in enumerate(
    [
        ((1,), 0, []),
        ((1,), 0, [2, 2]),
        ((), 0, [0]),
        ((5, 10), 1, (-1, -1)),
        ((5, 10), 1, (-1, 4)),
        ((2, 0), 1, (2, -1, 0)),
    ]
):
    case(f"unflatten_bad_{_k}", lambda L, s=_sh, d=_d, z=_sz: L.t(R(*s)).unflatten(d, z))

# test_equal
case(
    "equal",
    lambda L: [
        L.equal(L.t([3.0, 4, 9, 10]), L.t([3.0, 4, 9, 10]).contiguous()),
        L.equal(L.t([3.0, 4, 9, 10]), L.t([1.0, 9, 3, 10])),
        L.equal(L.t([3.0, 4, 9, 10]), L.t([3.0, 4, 9])),
        L.equal(L.t([3.0, 4, 9, 10]), L.t(np.zeros(0))),
        L.t([[1, 2, 3, 4], [5, 6, 7, 8]])[:, 1:3].equal(L.t([[2, 3], [6, 7]])),
        L.t([[1, 2, 3, 4], [5, 6, 7, 8]])[:, 1:3].equal(L.t([[0, 0], [0, 0]])),
        L.equal(L.t([1, 2, 3], L.f32), L.t([1, 2, 3], L.i32)),
        L.equal(L.t([1, -1], L.i32), L.t([1, 2, 3], L.f32)),
        L.equal(L.t(R(2, 3)), L.t(R(2, 3)).t()),
    ],
)

# test_permute, test_contains, test_iter, test_t_not_2d_error
case("permute_sizes", lambda L: L.empty((1, 2, 3, 4, 5, 6, 7)).permute(6, 2, 4, 0, 1, 5, 3).shape)
case(
    "contains",
    lambda L: [
        4 in L.arange(10),
        12 in L.arange(10),
        L.arange(1, 4) in L.arange(1, 10).reshape(3, 3),
        L.arange(11, 14) in L.arange(1, 10).reshape(3, 3),
    ],
)
case("contains_string", lambda L: "foo" in L.arange(10))
case("iter_rows", lambda L: [list(L.t(R(5, 5))), list(L.t(np.zeros(0)))])
case("t_of_3d", lambda L: L.t(R(2, 3, 4)).t())
case("t__of_3d", lambda L: L.t(R(2, 3, 4)).t_())

# test_fill_diagonal, test_setting_real_imag_to_a_number, test_conj_neg_tolist
case(
    "fill_diagonal",
    lambda L: [
        L.t(R(7, 3)).fill_diagonal_(1),
        L.t(R(7, 3)).fill_diagonal_(1, wrap=True),
        L.t(R(3, 3, 3)).fill_diagonal_(1),
        L.t(R(3, 3, 3))[:, 1, ...].fill_diagonal_(1),
        L.t(R(7, 3, 3))[:, 1, ...].fill_diagonal_(1, wrap=True),
    ],
)
case("fill_diagonal_unequal_3d", lambda L: L.t(R(3, 4, 3)).fill_diagonal_(1))


def _real_imag_zero(L):
    x = L.t(R(4) + 1j * R(4), L.c64)
    x.real = 0
    x.imag = 0
    return [x, x.real, x.imag]


case("set_real_imag_to_a_number", _real_imag_zero)
case(
    "conj_tolist",
    lambda L: [L.t(R(2) + 1j * R(2)).conj().tolist(), L.t(R(2) + 1j * R(2)).conj().imag.tolist()],
)

# test_type, test_to (copy semantics), test_numel
case(
    "to_returns_self_or_copy",
    lambda L: (
        lambda t: [t.to(t.dtype) is t, t.to(t.dtype, copy=True) is t, t.to(L.f32).dtype == L.f32]
    )(L.t(5)),
)

# test_parsing_intlist, test_parsing_int64
case(
    "parsing_intlist",
    lambda L: [L.ones((np.array(3), np.int64(4))).shape, L.ones((np.int64(3), np.array(4))).shape],
)
case("parsing_intlist_float", lambda L: L.ones((3.0, 4)))
case("parsing_dim_tensor", lambda L: L.ones((5, 5)).cumsum(L.t(0)))

# test_bmm_multithreaded: bmm of permuted, broadcast-expanded and empty batches
case(
    "bmm_layouts",
    lambda L: [
        L.bmm(L.t(R(4, 3, 2)).permute(0, 2, 1), L.t(R(4, 5, 3)).permute(0, 2, 1)),
        L.bmm(L.t(R(1, 3, 2)).expand(4, 3, 2), L.t(R(4, 2, 1)).expand(4, 2, 5)),
        L.bmm(L.t(R(0, 3, 2)), L.t(R(0, 2, 5))),
        L.bmm(L.t(R(4, 0, 2)), L.t(R(4, 2, 5))),
        L.bmm(L.t(R(4, 3, 0)), L.t(R(4, 0, 5))),
    ],
)

# test_neg_dim: the generated test_<name>_neg_dim methods
_NEG = {
    "narrow": ((10, 20, 30), lambda x, d: x.narrow(d, 0, 5)),
    "transpose": ((10, 20, 30), lambda x, d: x.transpose(d, (d + 1) % 3 - 3)),
    "size": ((10, 20, 30), lambda x, d: x.size(d)),
    "chunk": ((10, 20, 30), lambda x, d: list(x.chunk(5, d))),
    "gather": ((10, 20), lambda x, d: x.gather(d, x.new_zeros((10, 20), dtype=_i64(x)) + 3)),
    "index_select": ((10, 10), lambda x, d: x.index_select(d, _lib(x).t([1, 8, 3, 3]))),
    "split": ((10, 20), lambda x, d: list(x.split(5, d))),
    "squeeze": ((10, 1, 20, 1), lambda x, d: x.squeeze(dim=d)),
    "unbind": ((2, 3, 4), lambda x, d: list(x.unbind(d))),
    "unsqueeze": ((10, 20), lambda x, d: x.unsqueeze(d - 1 if d < 0 else d)),
    "logcumsumexp": ((10, 20), lambda x, d: x.logcumsumexp(d)),
    "cumprod": ((10, 20), lambda x, d: x.cumprod(d)),
    "cumsum": ((10, 20), lambda x, d: x.cumsum(d)),
    "cummax": ((10, 20), lambda x, d: list(x.cummax(d))),
    "cummin": ((10, 20), lambda x, d: list(x.cummin(d))),
    "mean": ((10, 20), lambda x, d: x.mean(d)),
    "median": ((10, 20), lambda x, d: list(x.median(d))),
    "nanmedian": ((10, 20), lambda x, d: list(x.nanmedian(d))),
    "mode": ((10, 20), lambda x, d: list(x.mode(d))),
    "norm": ((10, 20), lambda x, d: x.norm(2, d)),
    "prod": ((10, 20), lambda x, d: x.prod(d)),
    "std": ((10, 20), lambda x, d: x.std(dim=d)),
    "sum": ((10, 20), lambda x, d: x.sum(d)),
    "var": ((10, 20), lambda x, d: x.var(dim=d)),
    "kthvalue": ((10, 20), lambda x, d: list(x.kthvalue(3, d))),
    "max": ((10, 20), lambda x, d: list(x.max(dim=d))),
    "min": ((10, 20), lambda x, d: list(x.min(dim=d))),
    "sort": ((10, 20), lambda x, d: list(x.sort(dim=d))),
    "topk": ((10, 20), lambda x, d: list(x.topk(5, d))),
    "renorm": ((10, 20), lambda x, d: x.renorm(2, d, 1)),
    "index_add": (
        (10, 10),
        lambda x, d: x.clone().index_add_(
            d, _lib(x).t([1, 8, 3, 3]), x[:4] if d in (0, -2) else x[:, :4]
        ),
    ),
    "index_copy": (
        (10, 10),
        lambda x, d: x.clone().index_copy_(
            d, _lib(x).t([1, 8, 3, 0]), x[:4] if d in (0, -2) else x[:, :4]
        ),
    ),
    "index_fill": ((10, 10), lambda x, d: x.clone().index_fill_(d, _lib(x).t([1, 8, 3]), 12)),
    "scatter": (
        (10, 10),
        lambda x, d: x.clone().scatter_(d, _lib(x).t(np.arange(100).reshape(10, 10) % 9), x),
    ),
    "select": ((10, 20), lambda x, d: x.select(d, 3)),
    "unfold": ((10, 20), lambda x, d: x.unfold(d, 5, 2)),
}


def _lib(x):
    return TL if isinstance(x, torch.Tensor) else GL


def _i64(x):
    return _lib(x).i64


def _neg_dim(L, name):
    shape, f = _NEG[name]
    x = L.t(R(*shape))
    return [[f(x, d), f(x, d - len(shape))] for d in range(len(shape))]


for _name in _NEG:
    case(f"neg_dim_{_name}", lambda L, n=_name: _neg_dim(L, n))
# the INPLACE_METHOD forms of the generated tests: transpose_, squeeze_, unsqueeze_, renorm_
_NEG_INPLACE = {
    "transpose": ((10, 20, 30), lambda x, d: x.clone().transpose_(d, (d + 1) % 3 - 3)),
    "squeeze": ((10, 1, 20, 1), lambda x, d: x.clone().squeeze_(d)),
    "unsqueeze": ((10, 20), lambda x, d: x.clone().unsqueeze_(d - 1 if d < 0 else d)),
    "renorm": ((10, 20), lambda x, d: x.clone().renorm_(2, d, 1)),
}


def _neg_dim_inplace(L, name):
    shape, f = _NEG_INPLACE[name]
    x = L.t(R(*shape))
    return [[f(x, d), f(x, d - len(shape))] for d in range(len(shape))]


for _name in _NEG_INPLACE:
    case(f"neg_dim_inplace_{_name}", lambda L, n=_name: _neg_dim_inplace(L, n))
case("neg_dim_cat", lambda L: [L.cat([L.t(R(2, 3, 4))] * 2, d) for d in (0, 1, 2, -1, -2, -3)])

# test_tensor_creation: test_vander, test_vander_types
case("vander_empty", lambda L: L.vander(L.t(np.zeros(0)), 0).shape)
case("vander_negative_n", lambda L: L.vander(L.t([1, 2, 3, 5]), -1))
case("vander_2d", lambda L: L.vander(L.t([[1, 2], [3, 5]])))
for _dt, _xs in (
    ("i64", [1, 2, 3, 5]),
    ("f64", [-math.pi, 0, 1 / 3, 1, math.pi, 3 / 7]),
    ("i16", [1, 2, 3, 5]),
    ("u8", [1, 2, 3, 5]),
    ("c128", [1 + 1j, 1, 1j, 0]),
    ("b", [False, True, True, True, True]),
):
    for _n in (None, 0, 1, 3):
        for _inc in (False, True):
            case(
                f"vander_{_dt}_N{_n}_inc{_inc}",
                lambda L, d=_dt, x=_xs, n=_n, i=_inc: L.vander(L.t(x, getattr(L, d)), n, i),
            )

# test_fill_all_dtypes_and_devices
for _dt in ("f64", "f32", "f16", "i64", "i8", "u8", "b", "c128", "i16"):
    case(
        f"fill_{_dt}",
        lambda L, d=_dt: [
            L.t([10, 10], getattr(L, d)).fill_(n)
            for n in (range(-100, 100, 10) if d in ("i8", "u8", "b") else range(-2000, 2000, 200))
            if not (d == "u8" and n < 0)
        ],
    )

# test_unpack_double, test_float_to_int_conversion_finite
for _v in (2**24 + 1, 2**53 + 1, np.iinfo(np.int64).max, -1e500, 1e500):
    for _dt in ("f32", "f64"):
        case(f"tensor_of_{_v}_{_dt}", lambda L, v=_v, d=_dt: L.tensor(v, dtype=getattr(L, d)))
_FVALS = (-2, -1.5, -0.5, 0, 0.5, 1.5, 2)
for _dt in ("b", "i8", "i16", "i32", "i64"):
    case(f"float_to_int_{_dt}", lambda L, d=_dt: L.t(_FVALS, L.f32).to(getattr(L, d)))

# test_stack, test_repeat_interleave (creation ops), test_zeros_dtype_layout_device_match
case(
    "stack_every_dim",
    lambda L: [L.stack([L.t(R(2, 3, 4), L.i32) for _ in range(3)], d) for d in range(-4, 4)],
)
case(
    "repeat_interleave_of_counts",
    lambda L: [
        L.t([0, 1, 2, 3]).repeat_interleave(L.t([0, 1, 2, 3]))
        if False
        else L.zeros((5, 0)).repeat_interleave(3, dim=1),
        L.t(np.zeros(0, np.int64)).repeat_interleave(L.t(np.zeros(0, np.int64))),
    ],
)
case(
    "repeat_interleave_bad_repeats",
    lambda L: L.t([[1, 2], [3, 4]]).repeat_interleave(L.t([1, 2, 3]), dim=0),
)
case(
    "zeros_dtype_match",
    lambda L: [
        L.zeros((2, 3), dtype=d).dtype == d for d in (L.b, L.u8, L.i16, L.i64, L.f16, L.f32, L.c64)
    ],
)

# test_new_methods_requires_grad (integer dtypes refuse), test_arange errors, test_eye
case("new_full_int_requires_grad", lambda L: L.t([1, 2]).new_full((10,), 1, requires_grad=True))
case("new_zeros_int_requires_grad", lambda L: L.t([1, 2]).new_zeros((10,), requires_grad=True))
for _k, _a in enumerate(
    [
        (-5, float("nan")),
        (0, float("-inf"), -1),
        (0, float("inf")),
        (float("-inf"), 10),
        (float("nan"), 10),
        (float("inf"),),
        (float("nan"),),
    ]
):
    case(f"arange_nonfinite_{_k}", lambda L, a=_a: L.arange(*a))
case(
    "arange_counts",
    lambda L: [
        L.arange(0, 6, 3),
        L.arange(0, 5, 2),
        L.arange(0, -5, -2),
        L.arange(0.6, 0.89, 0.1),
        L.arange(1, 10, 0.3).shape,
        L.arange(-4.0, 4.0, 0.01, dtype=L.f32).shape,
        L.arange(0, 100 * 1449629115440469, 1449629115440469).shape,
        L.arange(10, -1 + 1e-6, -1),
        L.arange(0, 5 + 1e-6),
    ],
)
case("arange_bool_end", lambda L: [L.arange(True), L.arange(False)])
for _n, _m in ((-1, 1), (1, -1), (-1, -1)):
    case(f"eye_negative{_n},{_m}", lambda L, n=_n, m=_m: L.eye(n, m))
case(
    "eye_dtypes",
    lambda L: [
        L.eye(n, m, dtype=d)
        for n in (3, 5)
        for m in (3, 7)
        for d in (L.f64, L.i64, L.b, L.c64, L.u8)
    ],
)

# test_linspace (dtypes, large, reversed, errors), test_linspace_vs_numpy*
case(
    "linspace_int_dtypes",
    lambda L: [L.linspace(10, 20, 11, dtype=d) for d in (L.i64, L.i32, L.i16, L.i8, L.u8)],
)
case(
    "linspace_exact_halves",
    lambda L: (
        [L.linspace(-100, 100, 401, dtype=d) for d in (L.f64, L.f32)]
        + [L.linspace(0, 200, 401, dtype=L.i64)]
    ),
)
case("linspace_reversed", lambda L: [L.linspace(2, 0, 3, dtype=d) for d in (L.f64, L.i64)])
case("linspace_negative_steps", lambda L: L.linspace(0, 1, -1))
case("linspace_steps_0_1", lambda L: [L.linspace(0, 1, 1), L.linspace(0, 1, 0)])
case(
    "linspace_large_int",
    lambda L: (lambda x: [bool((x[1:] > x[:-1]).all()), x[0], x[-1]])(
        L.linspace(np.iinfo(np.int64).min, np.iinfo(np.int64).max & ~0xFFF, 15, dtype=L.i64)
    ),
)

# TestBufferProtocol: frombuffer against torch's
_BUF_DT = ("f64", "f32", "i64", "i32", "i16", "i8", "u8", "b", "c128")


def _frombuffer(L, dt, count=-1, first=0, offset=None):
    a = np.arange(1, 6).astype(np.dtype(getattr(TL, dt) if False else getattr(GL, dt)))
    if offset is None:
        offset = first * a.itemsize
    return L.frombuffer(memoryview(a), dtype=getattr(L, dt), count=count, offset=offset)


for _dt in _BUF_DT:
    case(
        f"frombuffer_{_dt}",
        lambda L, d=_dt: (
            [_frombuffer(L, d, first=i) for i in range(5)]
            + [_frombuffer(L, d, count=c) for c in (-1, 1, 2, 3, 4, 5)]
            + [_frombuffer(L, d, count=c, first=f) for c in range(1, 5) for f in range(5 - c + 1)]
        ),
    )
    case(f"frombuffer_offset_negative_{_dt}", lambda L, d=_dt: _frombuffer(L, d, first=-1))
    case(f"frombuffer_offset_past_end_{_dt}", lambda L, d=_dt: _frombuffer(L, d, first=6))
    case(f"frombuffer_count_too_big_{_dt}", lambda L, d=_dt: _frombuffer(L, d, count=3, first=3))
case("frombuffer_unaligned_offset", lambda L: _frombuffer(L, "i32", offset=3))
case("frombuffer_not_a_buffer", lambda L: L.frombuffer([1, 2, 3, 4], dtype=L.i64))
case(
    "frombuffer_byte_to_int",
    lambda L: L.frombuffer(np.array([-1, 0, 0, 0, -1, 0, 0, 0], dtype=np.byte), dtype=L.i32),
)

# TestAsArray: values and dtypes of asarray
for _k, _e in enumerate(
    [
        True,
        42,
        1.0,
        [True, True, False],
        [1, 2, 3, 42],
        [0.0, 1.0, 2.0],
        [True, False, 0],
        [0.0, True, False],
        [0, 1.0, 42],
        [0.0, True, False, 42],
        [0.0, True, False, 42, 5j],
        range(5),
    ]
):
    case(
        f"asarray_of_python_{_k}",
        lambda L, e=_e: L.asarray(
            e,
            dtype=L.f64
            if any(isinstance(v, float) for v in np.ravel(np.asarray(e, dtype=object)))
            else None,
        ),
    )
case(
    "asarray_numpy_scalar",
    lambda L: [L.asarray(np.float64(0.5)), L.asarray(np.array(1.0), dtype=L.i32)],
)
case("asarray_copy_false_other_dtype", lambda L: L.asarray(L.t(R(5, 5)), dtype=L.f32, copy=False))
case("asarray_numpy_scalar_copy_false", lambda L: L.asarray(np.float64(0.5), copy=False))
for _dt in ("f64", "f32", "i64", "i8", "u8", "b", "c128"):
    case(
        f"asarray_copy_list_{_dt}",
        lambda L, d=_dt: L.asarray(
            np.arange(6).reshape(2, 3).astype(np.dtype(getattr(GL, d))).tolist(),
            dtype=getattr(L, d),
        ),
    )


# ---- gradients -----------------------------------------------------------------------------
GRADS: dict = {}


def grad_case(name, f, *shapes, pos=False):
    assert name not in GRADS, name
    GRADS[name] = (f, shapes, pos)


for _p in (1, 2, 3, 1.5, math.inf, -math.inf):
    grad_case(f"dist_p{_p}", lambda L, a, b, p=_p: a.dist(b, p), (5,), (5,))
grad_case("dist_p2_broadcast", lambda L, a, b: a.dist(b), (2, 1, 3), (4, 1))
grad_case("addcmul", lambda L, a, b, c: a.addcmul(b, c, value=0.5), (2, 3), (3,), (2, 1))
grad_case("addcdiv", lambda L, a, b, c: a.addcdiv(b, c, value=-1.5), (2, 3), (3,), (2, 1), pos=True)
grad_case("lerp_broadcast", lambda L, a, b: L.lerp(a, b, 0.25), (2, 1, 3), (4, 1))
grad_case("cov", lambda L, a: a.cov(), (3, 5))
grad_case("cov_correction0", lambda L, a: a.cov(correction=0), (3, 5))
grad_case("cov_aweights", lambda L, a: a.cov(aweights=L.t([1.0, 2.5, 3, 1, 4])), (3, 5))
grad_case("cov_fweights", lambda L, a: a.cov(fweights=L.t([1, 2, 3, 1, 4])), (3, 5))
grad_case("corrcoef", lambda L, a: a.corrcoef(), (3, 5))
grad_case("diff", lambda L, a: a.diff(2, 1), (3, 5))
grad_case(
    "diff_prepend_append", lambda L, a, b: a.diff(1, 0, prepend=b, append=b * 2), (3, 5), (1, 5)
)
for _eo in (1, 2):
    grad_case(
        f"gradient_edge{_eo}",
        lambda L, a, e=_eo: L.gradient(a, spacing=0.5, dim=(0, 1), edge_order=e)[1],
        (4, 5),
    )
grad_case(
    "gradient_coords",
    lambda L, a: L.gradient(a, spacing=[L.t(np.array([0.0, 0.5, 1.7, 2.0, 3.1]))], dim=1)[0],
    (4, 5),
)
grad_case("cummax", lambda L, a: a.cummax(1)[0], (3, 6))
grad_case("cummin_transposed", lambda L, a: a.t().cummin(0)[0], (3, 6))
grad_case("logcumsumexp", lambda L, a: a.logcumsumexp(0), (4, 3))
grad_case("unflatten", lambda L, a: a.unflatten(1, (2, -1)) * 2, (3, 6))
grad_case(
    "masked_scatter",
    lambda L, a, b: a.masked_scatter(L.t([[True, False, True]] * 2), b),
    (2, 3),
    (2, 3),
)
grad_case(
    "masked_scatter_broadcast_mask",
    lambda L, a, b: a.masked_scatter(L.t([True, False, True]), b),
    (2, 3),
    (6,),
)
grad_case("take_repeated", lambda L, a: a.take(L.t([[0, 7], [7, 3]])), (3, 4))
grad_case("put_accumulate", lambda L, a, b: a.put(L.t([1, 1, 5]), b, True), (2, 3), (3,))
grad_case("put_overwrite", lambda L, a, b: a.put(L.t([1, 4, 5]), b), (2, 3), (3,))
grad_case(
    "index_add_alpha", lambda L, a, b: a.index_add(0, L.t([1, 1, 0]), b, alpha=-2.5), (3, 2), (3, 2)
)
grad_case("fill_diagonal_wrap", lambda L, a: (a * 1).fill_diagonal_(0.5, wrap=True), (7, 3))
grad_case("renorm", lambda L, a: a.renorm(2, 0, 1.0), (4, 3))
grad_case("where_scalar", lambda L, a: L.where(a > 0, a, 0.001), (5,))
grad_case("narrow_copy", lambda L, a: a.t().narrow_copy(1, 1, 2), (4, 3))
grad_case("pdist", lambda L, a: L.pdist(a), (4, 3))
grad_case("pairwise_distance", lambda L, a, b: L.pairwise_distance(a, b), (4, 3), (4, 3))
# (torch's own vander backward fails on an in-place write: its powers stand in for it)
grad_case(
    "vander",
    lambda L, a: L.vander(a, 4) if not L.torch else a.unsqueeze(-1) ** torch.arange(3.0, -1, -1),
    (3,),
)
grad_case(
    "vander_increasing",
    lambda L, a: L.vander(a, None, True) if not L.torch else a.unsqueeze(-1) ** torch.arange(4.0),
    (4,),
)
grad_case("kthvalue_neg_dim", lambda L, a: a.kthvalue(2, -1)[0], (3, 5))
grad_case("norm_neg_dim", lambda L, a: a.norm(3, -2), (3, 5))
grad_case("std_neg_dim", lambda L, a: a.std(dim=-1), (3, 5))
grad_case("copy_broadcast", lambda L, a, b: (a * 1).copy_(b), (3, 4), (4,))
grad_case("copy_transposed", lambda L, a, b: (a * 1).copy_(b.t()), (3, 4), (4, 3))


grad_case(
    "conv_transpose1d_layer_norm",
    lambda L, x, w: L.layer_norm(L.conv_transpose1d(x, w, stride=2).transpose(1, 2), (5,)),
    (2, 3, 4),
    (3, 5, 4),
)


grad_case("unfold_overlapping", lambda L, a: a.unfold(1, 3, 2), (2, 7))
grad_case("unfold_0d", lambda L, a: a.sum().unfold(0, 1, 1), (3,))
grad_case("diff_n_past_length", lambda L, a: a.diff(4, 0), (3, 2))
grad_case(
    "logcumsumexp_with_inf",
    lambda L, a: (a + L.t([0.0, -np.inf, 0, -np.inf])).logcumsumexp(dim=0),
    (4,),
)
grad_case("cummax_ties", lambda L, a: (a * 0 + L.t([1.0, 1, 2, 2, 0, 2])).cummax(0)[0] * a, (6,))
grad_case(
    "cummax_tied_values",
    lambda L, a: (a * 0 + 1).mul(L.t([1.0, 1, 2, 2, 0, 2]) + a * 0).add(a * 0).cummax(0)[0],
    (6,),
)
grad_case("dist_p_zero_distance", lambda L, a: a.dist(a.detach(), 2) + a.dist(a.detach(), 1), (3,))
grad_case("masked_select_broadcast", lambda L, a: a.masked_select(L.t([True, False, True])), (2, 3))
grad_case("index_select_repeated", lambda L, a: a.index_select(1, L.t([2, 0, 2])), (2, 3))


def _asarray_quiet(L, x):
    """asarray of a tensor with history, requires_grad unspecified (torch 2.13 keeps the
    history, with a warning that the default changed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return L.asarray(x)


grad_case("asarray_keeps_history", lambda L, a: _asarray_quiet(L, a * 2.0) * a, (3,))


def _loss(L, out, cs):
    outs = out if isinstance(out, tuple | list) else [out]
    total = 0
    for o, c in zip(outs, cs, strict=True):
        total = total + (o * L.t(c)).sum()
    return total


# ---- differences ----------------------------------------------------------------------------
def _differs_reversed():
    """reversed(t) iterates over the first axis as NumPy's arrays do (torch returns t.flip(0))."""
    x = ad.tensor(np.arange(6.0).reshape(3, 2))
    rows = list(reversed(x))
    assert len(rows) == 3 and all(isinstance(r, ad.Tensor) for r in rows)
    np.testing.assert_array_equal(to_numpy(gnp.stack(rows)), np.arange(6.0).reshape(3, 2)[::-1])
    assert isinstance(reversed(torch.arange(3)), torch.Tensor)


def _differs_cumsum_positional_0d():
    """x.cumsum(0) of a 0-d tensor is NumPy's (one element in one dim); cumsum(dim=0) is
    torch's 0-d result (docs/porting.md: cumsum(dim=) is torch's)."""
    x = ad.tensor(0.3)
    for name in ("cumsum", "cumprod"):
        assert getattr(x, name)(0).shape == (1,)
        assert getattr(np.array(0.3), name)(0).shape == (1,)
        assert getattr(x, name)(dim=0).shape == ()
        assert getattr(torch.tensor(0.3), name)(0).shape == ()


def _differs_addcdiv_of_integers():
    """Integer addcdiv: torch refuses (its message promises true division); gpuad divides
    truly, as NumPy's ``a + v * b / c``, and returns floats."""
    a = np.array([[3, 4], [5, 6]])
    with pytest.raises(RuntimeError):
        torch.from_numpy(a).addcdiv(torch.from_numpy(a), torch.from_numpy(a + 1), value=3)
    g = ad.tensor(a).addcdiv(ad.tensor(a), ad.tensor(a + 1), value=3)
    np.testing.assert_allclose(to_numpy(g), a + 3 * a / (a + 1), rtol=1e-15)
    assert to_numpy(g).dtype == np.float64


def _differs_vander_float32():
    """gnp.vander is NumPy's: a float32 input gives float64 (NumPy promotes with int); torch
    keeps float32. The values agree."""
    x = np.array([1, 2, 3, 5], np.float32)
    for n, inc in ((None, False), (3, True), (0, False)):
        g = to_numpy(gnp.vander(ad.tensor(x), n, inc))
        t = torch.vander(torch.from_numpy(x), n, inc).numpy()
        assert g.dtype == np.float64 and t.dtype == np.float32
        np.testing.assert_array_equal(g, t.astype(np.float64))


def _differs_frombuffer_empty():
    """gnp.frombuffer is NumPy's: count=0, an offset at the end of the buffer and an empty
    buffer give an empty array where torch.frombuffer raises; past the end both raise."""
    a = np.arange(1.0, 6.0)
    for kw in ({"count": 0}, {"offset": 40}):
        assert to_numpy(gnp.frombuffer(memoryview(a), dtype=np.float64, **kw)).shape == (0,)
        with pytest.raises(ValueError):
            torch.frombuffer(memoryview(a), dtype=torch.float64, **kw)
    assert to_numpy(gnp.frombuffer(b"", dtype=np.float64)).shape == (0,)
    with pytest.raises(ValueError):
        torch.frombuffer(np.array([]), dtype=torch.float64)
    with pytest.raises(ValueError):
        gnp.frombuffer(memoryview(a), dtype=np.float64, offset=48)


def _differs_gather_0d_index_of_1d():
    """gather with a 0-d index into a 1-d tensor: torch gives a 0-d result; gpuad asks for an
    index with as many dims as the tensor (ValueError naming both)."""
    assert torch.tensor([0.5]).gather(0, torch.tensor(0)).shape == ()
    with pytest.raises(ValueError, match="dims"):
        ad.tensor(np.array([0.5])).gather(0, ad.tensor(np.array(0)))
    assert to_numpy(ad.tensor(np.array([0.5])).gather(0, ad.tensor(np.array([0])))).shape == (1,)


def _differs_expanded_write_torch_warns():
    """index_put_, index_fill_ and masked_fill_ through an expanded tensor: torch warns and
    writes (which of the aliased writes lands is unspecified); gpuad raises, as for every
    in-place write through an expanded view."""
    progs = {
        "index_put_": lambda L, x: x.index_put_((L.t([2, 1, 0]),), L.t([1.0, 2, 3])),
        "index_fill_": lambda L, x: x.index_fill_(0, L.t([2, 1, 0]), 1.0),
        "masked_fill_": lambda L, x: x.masked_fill_(L.t(_MASK6), 0.0),
    }
    for f in progs.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f(TL, TL.t([1.0]).expand(6))  # computes
        with pytest.raises(ValueError, match="expand"):
            f(GL, GL.t([1.0]).expand(6))


def _differs_multinomial_too_few_nonzero():
    """More draws without replacement than categories of nonzero weight: torch then draws
    categories of weight 0; gpuad raises, naming the counts."""
    assert sorted(torch.tensor([1.0, 1, 0]).multinomial(3, False).tolist()) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="without replacement"):
        ad.tensor(np.array([1.0, 1, 0])).multinomial(3, False)


def _differs_deepcopy_of_views():
    """deepcopy copies each Tensor on its own, as NumPy's arrays: a view and its base become
    independent copies (torch keeps them sharing one storage), and a Tensor takes no new
    attributes (``a.foo = 3`` raises AttributeError; torch keeps them through deepcopy)."""
    a = ad.tensor(np.arange(25.0).reshape(5, 5))
    w = copy.deepcopy([a, a.view(25)])
    w[0].add_(1)
    np.testing.assert_array_equal(to_numpy(w[1]), np.arange(25.0))
    t = torch.arange(25.0).reshape(5, 5)
    wt = copy.deepcopy([t, t.view(25)])
    wt[0].add_(1)
    np.testing.assert_array_equal(wt[1].numpy(), np.arange(1.0, 26.0))
    with pytest.raises(AttributeError):
        a.foo = 3


def _differs_overlapping_source_read_first():
    """An in-place write whose source overlaps the written tensor (y.index_add_(0, i, y[:3]),
    copy_ between overlapping slices, masked_fill_ with a mask overlapping its target): torch
    refuses ("unsupported operation"); gpuad reads the whole source first, so the result is
    that of a copied source."""
    progs = {
        "index_add_": lambda y, s: y.index_add_(0, _lib(y).t([2, 1, 0]), s),
        "index_copy_": lambda y, s: y.index_copy_(0, _lib(y).t([2, 1, 0]), s),
        "put_": lambda y, s: y.put_(_lib(y).t([2, 1, 0]), s),
        "index_put_": lambda y, s: y.index_put_((_lib(y).t([2, 1, 0]),), s),
        "scatter_": lambda y, s: y.scatter_(0, _lib(y).t([2, 1, 0]), s),
    }
    for name, f in progs.items():
        yt = torch.arange(6.0)
        with pytest.raises(RuntimeError, match="unsupported operation"):
            f(yt, yt[:3])
        yt = torch.arange(6.0)
        want = f(yt, yt[:3].clone()).numpy()
        yg = ad.tensor(np.arange(6.0))
        np.testing.assert_array_equal(to_numpy(f(yg, yg[:3])), want, err_msg=name)
    d = ad.tensor(np.arange(18.0))
    d[0:9].copy_(d[1:10])
    np.testing.assert_array_equal(to_numpy(d)[:9], np.arange(1.0, 10.0))
    m = ad.tensor(np.array(_MASK6))
    m[1:].masked_fill_(m[:-1], False)
    np.testing.assert_array_equal(to_numpy(m), [True, False, True, False, False, False])
    mt = torch.tensor(_MASK6)
    with pytest.raises(RuntimeError, match="unsupported operation"):
        mt[1:].masked_fill_(mt[:-1], False)


DIFFERS = {
    "reversed": _differs_reversed,
    "overlapping_source_read_first": _differs_overlapping_source_read_first,
    "expanded_write_torch_warns": _differs_expanded_write_torch_warns,
    "deepcopy_of_views": _differs_deepcopy_of_views,
    "multinomial_too_few_nonzero": _differs_multinomial_too_few_nonzero,
    "cumsum_positional_0d": _differs_cumsum_positional_0d,
    "addcdiv_of_integers": _differs_addcdiv_of_integers,
    "vander_float32": _differs_vander_float32,
    "frombuffer_empty": _differs_frombuffer_empty,
    "gather_0d_index_of_1d": _differs_gather_0d_index_of_1d,
}


# ---- tests ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_same_as_torch(backend, name):
    f = CASES[name]
    t, terr = _run(f, TL)
    g, gerr = _run(f, GL)
    if terr is not None:
        assert gerr is not None, f"{name}: torch raises {terr!r}; gpuad returns {g!r}"
        assert not isinstance(gerr, UNCLEAR) and len(str(gerr)) > 10, f"{name}: {gerr!r}"
        return
    assert gerr is None, f"{name}: gpuad raises {gerr!r} where torch computes"
    _same(g, t, name)


@pytest.mark.parametrize("name", list(GRADS))
def test_grads_match_torch(backend, name):
    f, shapes, pos = GRADS[name]
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal(s) for s in shapes]
    if pos:
        xs = [np.abs(x) + 0.5 for x in xs]
    txs = [torch.from_numpy(x.copy()).requires_grad_() for x in xs]
    tout = f(TL, *txs)
    touts = tout if isinstance(tout, tuple | list) else [tout]
    cs = [np.random.default_rng(3).standard_normal(tuple(o.shape)) for o in touts]
    tgs = torch.autograd.grad(_loss(TL, tout, cs), txs)
    xp = ad.get_backend().xp
    gxs = [ad.tensor(xp.asarray(x.copy()), requires_grad=True) for x in xs]
    _loss(GL, f(GL, *gxs), cs).backward()
    for k, (gx, tg) in enumerate(zip(gxs, tgs, strict=True)):
        assert gx.grad is not None, (name, k)
        np.testing.assert_allclose(
            to_numpy(gx.grad), tg.numpy(), rtol=1e-10, atol=1e-10, err_msg=f"{name}[{k}]"
        )

    def loss(*arrs):
        return _loss(GL, f(GL, *arrs), cs)

    vs = [np.random.default_rng(9 + k).standard_normal(x.shape) for k, x in enumerate(xs)]
    _, jv = ad.jvp(
        loss,
        tuple(ad.tensor(xp.asarray(x)) for x in xs),
        tuple(ad.tensor(xp.asarray(v)) for v in vs),
    )
    h = 1e-6
    with ad.no_grad():
        up = float(loss(*[ad.tensor(xp.asarray(x + h * v)) for x, v in zip(xs, vs, strict=True)]))
        dn = float(loss(*[ad.tensor(xp.asarray(x - h * v)) for x, v in zip(xs, vs, strict=True)]))
    np.testing.assert_allclose(float(jv), (up - dn) / (2 * h), rtol=1e-6, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name", list(DIFFERS))
def test_differs(backend, name):
    DIFFERS[name]()


def test_random_fills(backend):
    """test_uniform_kstest, test_normal_kstest, test_bernoulli_p, test_bernoulli_self: the
    in-place random fills keep the dtype and shape and draw from the named distribution."""
    stats = pytest.importorskip("scipy.stats")
    gnp.random.seed(0)
    for lo, hi in ((-42, -4.2), (0, 42), (4.2, 42)):
        t = ad.tensor(gnp.zeros(1000)).uniform_(lo, hi)
        assert stats.kstest(to_numpy(t), "uniform", args=(lo, hi - lo)).statistic < 0.1
    for mean, std in ((-10, 1), (0, 5), (50, 10)):
        t = ad.tensor(gnp.zeros(1000)).normal_(mean, std)
        assert stats.kstest(to_numpy(t), "norm", args=(mean, std)).statistic < 0.1
    for dt in (np.float32, np.float64):
        t = ad.tensor(gnp.full((10, 10), 2.0, dtype=dt)).bernoulli_(0.5)
        v = to_numpy(t)
        assert v.dtype == dt and set(np.unique(v)) <= {0.0, 1.0} and 20 < v.sum() < 80
        for p, want in ((0.0, 0.0), (1.0, 1.0)):
            assert (to_numpy(ad.tensor(gnp.full((4,), 2.0, dtype=dt)).bernoulli_(p)) == want).all()
    for lam in (0.5, 1.0, 5.0):
        t = ad.tensor(gnp.zeros(1000)).exponential_(lam)
        assert stats.kstest(to_numpy(t), "expon", args=(0, 1 / lam)).statistic < 0.1
    for median in (-10, 0, 50):
        for sigma in (0.5, 1.0, 10.0):
            t = ad.tensor(gnp.zeros(1000)).cauchy_(median, sigma)
            assert stats.kstest(to_numpy(t), "cauchy", args=(median, sigma)).statistic < 0.1
    for mean in (-3, 0, 7):
        for std in (1, 5, 7):
            t = ad.tensor(gnp.zeros(1000)).log_normal_(mean, std)
            assert (
                stats.kstest(to_numpy(t), "lognorm", args=(std, 0, math.exp(mean))).statistic < 0.1
            )
    for p in (0.2, 0.5, 0.8):
        v = to_numpy(ad.tensor(gnp.zeros(1000)).geometric_(p))
        assert v.min() >= 1 and (v == np.round(v)).all() and abs(v.mean() - 1 / p) < 0.15 / p
        observed = np.bincount(v.astype(int), minlength=4)[1:4] / 1000
        np.testing.assert_allclose(observed, stats.geom(p).pmf([1, 2, 3]), atol=0.06)


def test_multinomial_draws(backend):
    """test_multinomial, test_multinomial_rng_state_advance: categories of weight 0 are never
    drawn, draws without replacement never repeat, (n_row, n_sample) int64 results for
    contiguous and strided weights, 1-d weights give a 1-d result, and successive draws
    differ."""
    gnp.random.seed(0)
    rng = np.random.default_rng(0)
    for strided in (False, True):
        for n_col in (4, 5):
            w = rng.random((n_col, 3, 2))[..., 0].T if strided else rng.random((3, n_col))
            zero = [-1, 1, n_col - 1]
            for i, j in enumerate(zero):
                if j >= 0:
                    w[i, j] = 0
            s = to_numpy(ad.tensor(w).multinomial(3 * n_col, True))
            assert s.shape == (3, 3 * n_col) and s.dtype == np.int64
            assert all((s[i] != j).all() for i, j in enumerate(zero) if j >= 0)
        for n_col in (2, 4, 6, 8, 10):
            w = rng.random((3, n_col))
            zero = [0, n_col - 1, -1]
            for i, j in enumerate(zero):
                if j >= 0:
                    w[i, j] = 0
            s = to_numpy(ad.tensor(w).multinomial(max(1, n_col - 2), False))
            for i, j in enumerate(zero):
                assert len(set(s[i])) == s.shape[1]
                assert j < 0 or j not in s[i]
    v = np.ones(4)
    v[1] = 0
    s = to_numpy(ad.tensor(v).multinomial(20, True))
    assert s.shape == (20,) and (s != 1).all()
    assert to_numpy(ad.tensor(rng.random((2, 3))).multinomial(1, True)).shape == (2, 1)
    freqs = ad.tensor(np.ones(100000))
    a, b = to_numpy(freqs.multinomial(100, True)), to_numpy(freqs.multinomial(100, True))
    assert 200 - len(np.unique(np.concatenate([a, b]))) <= 2


def test_constants():
    """test_constants: gnp.e, gnp.pi, gnp.nan, gnp.inf are Python floats equal to torch's."""
    for name in ("e", "pi", "inf"):
        v = getattr(gnp, name)
        assert isinstance(v, float) and v == getattr(torch, name) == getattr(math, name), name
    assert isinstance(gnp.nan, float) and math.isnan(gnp.nan) and math.isnan(torch.nan)


def test_asarray_alias_and_copy(backend):
    """test_alias_from_tensor, test_copy_tensor (and from NumPy on the NumPy backend): asarray
    of a tensor shares it unless a copy is asked for or the dtype changes, as torch's; a write
    through the result reaches the source exactly when torch's does."""
    cases = [
        ({}, True),
        ({"copy": False}, True),
        ({"copy": True}, False),
        ({"dtype": "f64"}, True),
        ({"dtype": "f64", "copy": False}, True),
        ({"dtype": "f32"}, False),
        ({"dtype": "f64", "copy": True}, False),
    ]
    for kw, shared in cases:
        for L in (TL, GL):
            src = L.t(np.arange(4.0))
            k = {n: getattr(L, v) if n == "dtype" else v for n, v in kw.items()}
            r = L.asarray(src, **k)
            r[0] = 7
            assert (float(src[0]) == 7.0) is shared, (L.torch, kw)
    if ad.get_backend().name == "numpy":
        for kw, shared in (({}, True), ({"copy": True}, False), ({"dtype": np.float32}, False)):
            a = np.arange(4.0)
            r = gnp.asarray(a, **kw)
            r[0] = 7
            assert bool(a[0] == 7.0) is shared, kw
            b = np.arange(4.0)
            rt = torch.asarray(
                b, **({"dtype": torch.float32} if "dtype" in kw else {k: v for k, v in kw.items()})
            )
            rt[0] = 7
            assert bool(b[0] == 7.0) is shared, kw


def test_hook_remove(backend):
    """test_hook_remove: a hook that removes itself runs once; one that stays runs again."""
    for remove in (True, False):
        t = ad.tensor(np.ones((1, 5)), requires_grad=True)
        handle = None

        def hook(g, remove=remove):
            if remove:
                handle.remove()
            return gnp.zeros_like(g)

        handle = t.register_hook(hook)
        t.mean().backward()
        np.testing.assert_array_equal(to_numpy(t.grad), np.zeros((1, 5)))
        t.mean().backward()
        np.testing.assert_allclose(to_numpy(t.grad), np.full((1, 5), 0.2 if remove else 0.0))


def test_pickle_and_deepcopy(backend):
    """test_pickle, test_pickle_parameter(_no_requires_grad), test_deepcopy(_scalar),
    test_deepcopy_parameter: values, dtypes, requires_grad, Parameter type and shared views
    survive pickling and deepcopy."""
    a = ad.tensor(np.arange(25.0).reshape(5, 5))
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(to_numpy(b), to_numpy(a))
    for rg in (True, False):
        p = ad.nn.Parameter(ad.tensor(np.ones((5, 5))), requires_grad=rg)
        q = pickle.loads(pickle.dumps(p))
        assert isinstance(q, ad.nn.Parameter) and q.requires_grad == rg
        np.testing.assert_array_equal(to_numpy(q), to_numpy(p))
    lin = ad.nn.Linear(10, 1)
    s = copy.deepcopy(lin.state_dict(keep_vars=True))
    assert all(isinstance(v, ad.nn.Parameter) for v in s.values())
    s0 = copy.deepcopy(ad.tensor(5.0))
    assert s0.shape == () and float(s0) == 5.0
    x = ad.tensor(np.arange(4.0))
    y, z = copy.deepcopy([x, x])
    assert y is z
    # test_deepcopy_gradient: the gradient is copied, and stays shared within one deepcopy
    g = ad.tensor(np.zeros(10))
    g.grad = ad.tensor(np.ones(10))
    np.testing.assert_array_equal(to_numpy(copy.deepcopy(g).grad), np.ones(10))
    c = copy.deepcopy([g, g.grad])
    assert c[0].grad is c[1]
    # test_deepcopy: values (complex too) and the tensor behind two entries kept as one
    for dt in (np.float32, np.complex64):
        a = ad.tensor(np.arange(25.0).reshape(5, 5).astype(dt))
        w = copy.deepcopy([a, [a], a])
        assert w[0] is w[1][0] is w[2] and to_numpy(w[0]).dtype == dt
        np.testing.assert_array_equal(to_numpy(w[0]), to_numpy(a))
        w[0].add_(1)
        np.testing.assert_array_equal(to_numpy(a), np.arange(25.0).reshape(5, 5))


def test_batch_norm_inference(backend):
    """test_batch_norm_cpu_inference: BatchNorm2d in eval mode on contiguous and permuted
    inputs equals torch's."""
    x = np.random.default_rng(1).standard_normal((2, 2, 2, 2))
    for affine in (False, True):
        m = ad.nn.BatchNorm2d(2, 1e-5, 0.1, affine=affine)
        m.eval()
        tm = torch.nn.BatchNorm2d(2, 1e-5, 0.1, affine=affine).double().eval()
        want = tm(torch.from_numpy(x)).detach().numpy()
        got = to_numpy(m(ad.tensor(x)))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        got2 = to_numpy(m(ad.tensor(x).permute(0, 1, 3, 2)).permute(0, 1, 3, 2))
        np.testing.assert_allclose(got2, want, rtol=1e-12, atol=1e-12)


# ---- the map ---------------------------------------------------------------------------------
_ND = "n/a: a torch.use_deterministic_algorithms alert of a CUDA kernel (" + _DET[5:]
_NS = "n/a: quasi-random Sobol sequences (torch.quasirandom; gpuad has no such engine)"
_CD = "covered: test_torch_cdist.py::test_values_and_gradients_match_torch"
_HERE = "here: test_same_as_torch"


def _here(*cases, grads=()):
    parts = [f"test_same_as_torch[{c}]" for c in cases]
    parts += [f"test_grads_match_torch[{g}]" for g in grads]
    return "here: " + ", ".join(parts)


def _rows():
    rows = []
    T, D = "TestTorch", "TestTorchDeviceType"
    rows += [
        (D, "test_constants", "here: test_constants"),
        (D, "test_bytes_to_scalar", _STORAGE),
        (D, "test_storage", _STORAGE),
        (D, "test_storage_setitem", _STORAGE),
        (D, "test_tensor_storage_type", _STORAGE),
        (D, "test_tensor_from_storage", _STORAGE),
        (D, "test_set_storage", _STORAGE),
        (D, "test_typed_storage_meta", _STORAGE),
        (D, "test_untyped_storage_meta", _STORAGE),
        (D, "test_storage_meta_from_tensor", _STORAGE),
        (D, "test_storage_meta_errors", _STORAGE),
        (D, "test_storage_meta_ok", _STORAGE),
        (D, "test_module_share_memory", _DEVICE),
        (
            D,
            "test_deepcopy",
            "here: test_pickle_and_deepcopy; differs: views of one tensor are copied apart, "
            "as NumPy's; here: test_differs[deepcopy_of_views]",
        ),
        (D, "test_deepcopy_scalar", "here: test_pickle_and_deepcopy"),
        (
            D,
            "test_scalar_check",
            _here(*[c for c in CASES if c.startswith("scalar_check")])
            + "; differs: x.cumsum(0) of a 0-d tensor is NumPy's, cumsum(dim=0) torch's; "
            "here: test_differs[cumsum_positional_0d]; differs: a 0-d gather index into a 1-d "
            "tensor raises; here: test_differs[gather_0d_index_of_1d]",
        ),
        (D, "test_check_tensor_all", _INTERNAL),
        (D, "test_check_tensor_internal", _INTERNAL),
        (D, "test_cpp_warnings_have_python_context", _INTERNAL),
        (D, "test_warn_always_caught", _INTERNAL),
        (D, "test_complex_half_experimental_warning", _HALF),
        (D, "test_dtypetensor_warnings", _DEVICE),
        (D, "test_set_default_tensor_type_warnings", _INTERNAL),
        (
            D,
            "test_conv_transposed_backward_agnostic_to_memory_format",
            _here(grads=("conv_transpose1d_layer_norm",)),
        ),
        (D, "test_conv_transposed_large", _DEVICE),
        (D, "test_is_set_to", _STORAGE),
        (
            D,
            "test_broadcast",
            _here(
                *[c for c in CASES if c.startswith("broadcast")],
                grads=("dist_p2_broadcast", "lerp_broadcast", "addcmul"),
            ),
        ),
        (D, "test_cublas_config_nondeterministic_alert", _DEVICE),
        (D, "test_nondeterministic_resize_quantized", _QUANT),
        (D, "test_deterministic_resize", _DET),
        (D, "test_deterministic_empty", _DET),
    ]
    for nm in (
        "AvgPool3d",
        "AdaptiveAvgPool2d",
        "AdaptiveAvgPool3d",
        "MaxPool3d",
        "AdaptiveMaxPool2d",
        "FractionalMaxPool2d",
        "FractionalMaxPool3d",
        "MaxUnpool1d",
        "MaxUnpool2d",
        "MaxUnpool3d",
        "interpolate_linear",
        "interpolate_bilinear",
    ):
        rows.append((D, f"test_nondeterministic_alert_{nm}", _ND))
    rows.append((D, "test_deterministic_interpolate_bilinear", _DET))
    for nm in (
        "interpolate_bicubic",
        "interpolate_trilinear",
        "ReflectionPad1d",
        "ReflectionPad2d",
        "ReflectionPad3d",
        "ReplicationPad1d",
        "ReplicationPad2d",
        "ReplicationPad3d",
        "NLLLoss",
        "CTCLoss",
        "EmbeddingBag_max",
        "cumsum",
        "put",
        "put_accumulate",
        "histc",
        "bincount",
        "kthvalue",
        "grid_sample_2d",
        "grid_sample_3d",
    ):
        rows.append((D, f"test_nondeterministic_alert_{nm}", _ND))
    rows += [
        (
            D,
            "test_invalid_shapes_grid_sampler",
            "n/a: torch.grid_sampler and its private 2d/3d/cudnn kernels (gpuad has F.grid_sample)",
        ),
        (
            D,
            "test_dist",
            _here(
                *[c for c in CASES if c.startswith("dist_p")],
                grads=[g for g in GRADS if g.startswith("dist_p") and "broadcast" not in g],
            ),
        ),
        (D, "test_nondeterministic_alert_median", _ND),
        (
            D,
            "test_gather_backward_deterministic_path",
            _IDX + "test_repeated_targets_of_plain_writes",
        ),
        (D, "test_gather_backward_one_dim", _IDX + "test_gathers"),
        (D, "test_scatter_add_one_dim_deterministic", _IDX + "test_scatter_base_values"),
        (D, "test_scatter_zero_size_index", _here("scatter_zero_size_index")),
        (D, "test_sync_warning", _DEVICE),
        (
            D,
            "test_log_normal",
            _here("fill_log_normal_keeps_dtype_shape", "fill_log_normal_zero_std"),
        ),
        (
            D,
            "test_geometric",
            _here(
                "fill_geometric_keeps_dtype_shape",
                "fill_geometric_p0",
                "fill_geometric_p1",
                "fill_geometric_int",
            ),
        ),
        (D, "test_repeat_interleave", _here("repeat_interleave_tensor_repeats")),
        (D, "test_bernoulli_p", "here: test_random_fills"),
        (D, "test_bernoulli_self", "here: test_random_fills"),
        (D, "test_bernoulli_edge_cases", "here: test_random_fills"),
        (D, "test_exponential", _here(*[c for c in CASES if c.startswith("fill_exponential")])),
        (D, "test_exponential_no_zero", _DEVICE),
        (
            D,
            "test_corrcoef",
            _here(*[c for c in CASES if c.startswith("corrcoef")], grads=("corrcoef",)),
        ),
        (
            D,
            "test_cov",
            _here(
                *[c for c in CASES if c.startswith("cov_")],
                grads=[g for g in GRADS if g.startswith("cov")],
            ),
        ),
        (D, "test_uniform_kstest", "here: test_random_fills"),
        (D, "test_normal_kstest", "here: test_random_fills"),
        (D, "test_lognormal_kstest", "here: test_random_fills"),
        (D, "test_exponential_kstest", "here: test_random_fills"),
        (D, "test_cauchy_kstest", "here: test_random_fills"),
        (D, "test_cauchy_no_inf", _DEVICE),
        (D, "test_cauchy", _here(*[c for c in CASES if c.startswith("fill_cauchy")])),
        (D, "test_geometric_kstest", "here: test_random_fills"),
        (
            D,
            "test_pairwise_distance_empty",
            _here("pairwise_distance_empty", grads=("pairwise_distance",)),
        ),
        (D, "test_pdist_empty", _here("pdist_empty", grads=("pdist",))),
        (D, "test_cdist_empty", _here("cdist_empty")),
        (D, "test_cdist_norm", _CD),
        (D, "test_cdist_norm_batch", _CD),
        (D, "test_cdist_cuda_backward", _DEVICE),
        (
            D,
            "test_cdist_large",
            "covered: test_torch_cdist.py::test_random_points_on_the_matrix_product_path",
        ),
        (
            D,
            "test_cdist_large_batch",
            "covered: test_torch_cdist.py::test_random_points_on_the_matrix_product_path",
        ),
        (D, "test_cdist_non_contiguous", _CD),
        (D, "test_cdist_non_contiguous_batch", _CD),
        (
            D,
            "test_cdist_euclidean_large",
            "covered: test_torch_cdist.py::test_random_points_on_the_matrix_product_path",
        ),
        (D, "test_cdist_grad_p_lt_1_no_nan", _CD),
        (D, "test_cdist_same_inputs", _CD),
        (
            D,
            "test_cumsum",
            _here("cumsum_cumprod_bool") + "; " + _INTEROP + "test_cumulative_ops_edges",
        ),
        (
            D,
            "test_cumprod",
            _here("cumsum_cumprod_bool") + "; " + _INTEROP + "test_cumulative_ops_edges",
        ),
        (
            D,
            "test_cummax_cummin",
            _here(
                "cummax_cummin_bool",
                "cummax_cummin_nan_inf",
                grads=("cummax", "cummin_transposed", "cummax_ties", "cummax_tied_values"),
            ),
        ),
        (
            D,
            "test_logcumsumexp",
            _here("logcumsumexp_inf_nan", grads=("logcumsumexp", "logcumsumexp_with_inf")),
        ),
        (
            D,
            "test_diff_noncontig",
            _here(*[c for c in CASES if c.startswith("diff(")], grads=("diff_n_past_length",)),
        ),
        (
            D,
            "test_diff",
            _here(
                *[c for c in CASES if c.startswith("diff_")], grads=("diff", "diff_prepend_append")
            ),
        ),
        (
            D,
            "test_gradient_all",
            _here(
                *[c for c in CASES if c.startswith("gradient(")],
                "gradient_list_spacing",
                grads=("gradient_edge1", "gradient_edge2", "gradient_coords"),
            ),
        ),
        (D, "test_gradient_extreme_cases", _here("gradient_extremes", "gradient_too_few_points")),
        (D, "test_gradient_type_promotion", _here("gradient_int_input", "gradient_complex_input")),
        (D, "test_large_cumsum", _DEVICE),
        (D, "test_large_cumprod", _DEVICE),
        (D, "test_discontiguous_out_cumsum", _OUT),
        (D, "test_cummax_discontiguous", _here("cummax_discontiguous")),
        (D, "test_cummin_discontiguous", _here("cummin_discontiguous")),
        (D, "test_bool_tensor_value_change", _here("bool_tensor_value_change")),
        (
            D,
            "test_unfold_all_devices_and_dtypes",
            _here("unfold_empty", grads=("unfold_overlapping",)),
        ),
        (D, "test_unfold_scalars", _here("unfold_0d", grads=("unfold_0d",))),
        (
            D,
            "test_copy_all_dtypes_and_devices",
            _here(*[c for c in CASES if c.startswith("copy_copy_shares")]),
        ),
        (D, "test_bfloat16_neg_abs", _HALF),
        (D, "test_bfloat16_float_copy", _HALF),
        (
            D,
            "test_copy_math_view",
            "n/a: torch's lazy negative and conjugate views "
            "(_neg_view, is_neg); gpuad's conj() is NumPy's copy",
        ),
        (
            D,
            "test_copy_transpose_math_view",
            _here("copy_from_transposed", grads=("copy_transposed",)),
        ),
        (
            D,
            "test_clone_all_dtypes_and_devices",
            _here(*[c for c in CASES if c.startswith("clone_")]),
        ),
        (D, "test_clone_zero_stride_dim", "n/a: as_strided (no storage; docs/porting.md)"),
        (D, "test_clone_not_memory_dense", _MEMFMT),
        (
            D,
            "test_addcmul",
            _here(*[c for c in CASES if c.startswith("addcmul_")], grads=("addcmul",)),
        ),
        (D, "test_narrow_empty", _here("narrow_to_empty")),
        (
            D,
            "test_narrow_copy_non_contiguous",
            _here("narrow_copy_transposed", grads=("narrow_copy",)),
        ),
        (D, "test_index_reduce", _IDX + "test_index_method_gradients"),
        (D, "test_index_copy", _IDX + "test_index_method_gradients"),
        (D, "test_index_copy_scalars", _here("index_copy_scalars")),
        (
            D,
            "test_errors_index_copy",
            _here(*[c for c in CASES if c.startswith("index_copy_out_of_range")]),
        ),
        (D, "test_index_copy_deterministic", _IDX + "test_repeated_targets_of_plain_writes"),
        (D, "test_index_add_deterministic", _IDX + "test_index_method_gradients"),
        (
            D,
            "test_index_put_non_accumulate_deterministic",
            _IDX + "test_repeated_targets_of_plain_writes",
        ),
        (D, "test_index_fill", _here("index_fill_complex_into_real", "index_fill_0d")),
        (
            D,
            "test_index_select",
            _here("index_select_0d", grads=("index_select_repeated",))
            + "; "
            + _IDX
            + "test_index_method_gradients",
        ),
        (D, "test_take", _here("take_reshaped_index", grads=("take_repeated",))),
        (
            D,
            "test_put",
            _here(
                "put_scalars",
                "put_repeated_reshaped_index",
                grads=("put_accumulate", "put_overwrite"),
            ),
        ),
        (D, "test_put_accumulate", _here("put_accumulate_into_one")),
        (D, "test_take_empty", _here("take_empty")),
        (D, "test_put_empty", _here("put_empty")),
        (D, "test_scatter_reduce_operations_to_large_input", _here("scatter_reduce_kwarg")),
        (D, "test_scatter_reduce_scalar", _here("scatter_reduce_kwarg")),
        (D, "test_scatter_add_non_unique_index", _here("scatter_add_non_unique_index")),
        (D, "test_scatter_reduce_non_unique_index", _here("scatter_reduce_kwarg")),
        (D, "test_scatter_reduce_multiply_unsupported_dtypes", _DEVICE),
        (D, "test_scatter_to_large_input", _IDX + "test_scatter_base_values"),
        (D, "test_scatter_add_to_large_input", _IDX + "test_scatter_base_values"),
        (D, "test_scatter_bool", _here("scatter_bool")),
        (D, "test_scatter_add_bool", _here("scatter_add_bool")),
        (
            D,
            "test_masked_scatter",
            _here(
                "masked_scatter_values",
                "masked_scatter_source_too_small",
                "masked_scatter_empty",
                grads=("masked_scatter", "masked_scatter_broadcast_mask"),
            ),
        ),
        (D, "test_masked_scatter_bool_tensor", _here("masked_scatter_bool_tensor")),
        (D, "test_masked_scatter_large_tensor", _DEVICE),
        (
            D,
            "test_masked_select",
            _here(
                "masked_select_uint8_mask",
                "masked_select_broadcast",
                grads=("masked_select_broadcast",),
            ),
        ),
        (D, "test_masked_select_discontiguous", _here("masked_select_discontiguous")),
        (D, "test_masked_fill", _here("masked_fill_uint8_mask", "masked_fill_permuted")),
        (D, "test_masked_fill_bool_tensor", _here("masked_fill_bool_tensor")),
        (D, "test_tensor_shape_empty", _here(*[c for c in CASES if c.startswith("shape_empty")])),
        (
            D,
            "test_dim_function_empty",
            _here(
                *[c for c in CASES if c.startswith("dim_empty")],
                "index_select_out_of_range",
                "index_select_0d_empty_index",
            ),
        ),
        (D, "test_pdist_norm_large", _DEVICE),
        (
            D,
            "test_addcdiv",
            _here(*[c for c in CASES if c.startswith("addcdiv_")], grads=("addcdiv",))
            + "; differs: integer addcdiv divides truly where torch refuses; "
            "here: test_differs[addcdiv_of_integers]",
        ),
        (
            D,
            "test_nullary_op_mem_overlap",
            _here("expanded_uniform_", "expanded_normal_", "expanded_bernoulli_"),
        ),
        (
            D,
            "test_ternary_op_mem_overlap",
            _here("expanded_addcmul_", "expanded_addcdiv_", "expanded_lerp_") + "; " + _OVERLAP,
        ),
        (D, "test_copy_mem_overlap", _here("expanded_copy_") + _READ_FIRST),
        (D, "test_index_add_mem_overlap", _here("expanded_index_add_") + _READ_FIRST),
        (D, "test_index_copy_mem_overlap", _here("expanded_index_copy_") + _READ_FIRST),
        (D, "test_index_fill_mem_overlap", _EXP_WARN),
        (
            D,
            "test_shift_mem_overlap",
            "n/a: shifts of float tensors (torch refuses them before the overlap; gpuad too)",
        ),
        (D, "test_bernoulli_mem_overlap", _here("expanded_bernoulli_")),
        (D, "test_put_mem_overlap", _here("expanded_put_") + _READ_FIRST),
        (D, "test_index_put_mem_overlap", _EXP_WARN + _READ_FIRST),
        (D, "test_masked_fill_mem_overlap", _EXP_WARN + _READ_FIRST),
        (D, "test_masked_scatter_mem_overlap", _here("expanded_masked_scatter_")),
        (D, "test_scatter_mem_overlap", _here("expanded_scatter_") + _READ_FIRST),
        (D, "test_multinomial_device_constrain", _DEVICE),
        (D, "test_multinomial_gpu_device_constrain", _DEVICE),
        (D, "test_device_guard", _DEVICE),
        (D, "test_is_signed", _here("is_signed")),
        (
            D,
            "test_tensor_type",
            "covered: test_torch_numpy_interop.py::test_type_of_tensor_classes",
        ),
        (D, "test_tensor_set_errors_multigpu", _DEVICE),
        (D, "test_serialization", _DEVICE),
        (D, "test_memory_format_preserved_after_permute", _MEMFMT),
        (D, "test_memory_format_propagation_rules", _MEMFMT),
        (D, "test_memory_format_empty_like", _MEMFMT),
        (D, "test_memory_format_consistency", _MEMFMT),
        (
            D,
            "test_memory_format_operators",
            _here(*[c for c in CASES if c.startswith("method_") and "cumsum" not in c])
            + "; n/a: the memory formats it checks ("
            + _MEMFMT[5:]
            + ")",
        ),
        (D, "test_strides_propagation", _MEMFMT),
        (D, "test_pin_memory_from_constructor", _DEVICE),
        (D, "test_storage_all_devices", _STORAGE),
        (D, "test_multinomial", "here: test_multinomial_draws"),
        (D, "test_multinomial_deterministic", _DEVICE),
        (D, "test_multinomial_rng_state_advance", "here: test_multinomial_draws"),
        (D, "test_memory_format_to", _MEMFMT),
        (D, "test_memory_format_type", _MEMFMT),
        (D, "test_memory_format_clone", _MEMFMT),
        (D, "test_memory_format_factory_like_functions_preserve", _MEMFMT),
        (D, "test_memory_format_type_shortcuts", _MEMFMT),
        (D, "test_memory_format_cpu_and_cuda_ops", _MEMFMT),
        (
            D,
            "test_pickle_gradscaler",
            "n/a: pickling torch.cuda.amp.GradScaler (gpuad's "
            "GradScaler state travels by state_dict; covered: "
            "test_torch_amp.py::test_state_dict_and_disabled)",
        ),
        (
            D,
            "test_multinomial_empty_w_replacement",
            _here(*[c for c in CASES if c.startswith("multinomial_empty_replTrue")]),
        ),
        (
            D,
            "test_multinomial_empty_wo_replacement",
            _here(*[c for c in CASES if c.startswith("multinomial_empty_replFalse")]),
        ),
        (
            D,
            "test_multinomial_cpu",
            "n/a: the upstream body only defines a helper and runs nothing",
        ),
        (
            D,
            "test_where_scalar_handcrafted_values",
            _here(
                *[c for c in CASES if c.startswith("where_scalar_") and c != "where_scalar_method"],
                grads=("where_scalar",),
            ),
        ),
        (D, "test_hook_remove", "here: test_hook_remove"),
        (D, "test_skip_xla", "n/a: torch's XLA test decorators"),
        (D, "test_expected_failure_xla", "n/a: torch's XLA test decorators"),
        (
            D,
            "test_assertRaisesRegex_ignore_msg_non_native_device",
            "n/a: torch's test harness on non-native devices",
        ),
        (D, "test_copy_", _here(*[c for c in CASES if c.startswith("copy__")])),
        (D, "test_item", _here("item_of_each_dtype")),
        (D, "test_masked_scatter_inplace_noncontiguous", _here("masked_scatter_noncontiguous")),
    ]
    rows += [
        (T, "test_dir", "n/a: dir(torch)"),
        (T, "test_wildcard_import", "n/a: from torch import *"),
        (T, "test_newaxis_numpy_comparison", _here(*[c for c in CASES if c.startswith("newaxis")])),
        (T, "test_newindex", _here(*[c for c in CASES if c.startswith("newindex")])),
        (T, "test_check", _INTERNAL),
        (T, "test_index_add", _IDX + "test_index_method_gradients"),
        (T, "test_index_add_all_dtypes", _here("index_add_alpha_int_dtypes")),
        (
            T,
            "test_index_add_correctness",
            _here("index_add_out_of_range", grads=("index_add_alpha",)),
        ),
        (
            T,
            "test_unflatten",
            _here(*[c for c in CASES if c.startswith("unflatten")], grads=("unflatten",)),
        ),
        (T, "test_warn_types", _INTERNAL),
        (T, "test_structseq_repr", "n/a: the printed form of torch.return_types"),
        (
            T,
            "test_is_same_size",
            "n/a: nested tensors; gpuad has no Tensor.is_same_size (compare .shape)",
        ),
        (T, "test_tensor_set", _STORAGE),
        (T, "test_tensor_set_errors", _STORAGE),
        (T, "test_equal", _here("equal")),
        (T, "test_element_size", _here("element_size_itemsize_nbytes")),
        (T, "test_permute", _here("permute_sizes")),
        (
            T,
            "test_reversed",
            "differs: reversed(t) iterates over rows, as NumPy's arrays; "
            "here: test_differs[reversed]",
        ),
        (T, "test_contains", _here("contains", "contains_string")),
        (T, "test_deepcopy_parameter", "here: test_pickle_and_deepcopy"),
        (T, "test_pickle", "here: test_pickle_and_deepcopy"),
        (T, "test_pickle_parameter", "here: test_pickle_and_deepcopy"),
        (T, "test_pickle_parameter_no_requires_grad", "here: test_pickle_and_deepcopy"),
        (T, "test_pickle_dtype", "n/a: torch.dtype objects (gpuad's dtypes are NumPy's)"),
        (T, "test_pickle_size", "n/a: torch.Size (gpuad's shapes are tuples)"),
        (T, "test_pickle_function", "n/a: pickling torch's builtin functions"),
        (T, "test_generator_cpu", _RNG),
        (T, "test_invalid_generator_raises", _RNG),
    ]
    for nm in (
        "bounds",
        "bounds_scrambled",
        "draw",
        "draw_scrambled",
        "first_point",
        "continuing",
        "continuing_scrambled",
        "reset",
        "reset_scrambled",
        "fast_forward",
        "fast_forward_scrambled",
        "distribution",
        "distribution_scrambled",
        "draw_base2",
        "draw_base2_scrambled",
        "raise",
        "high_dim",
    ):
        rows.append((T, f"test_sobolengine_{nm}", _NS))
    rows += [
        (T, "test_parsing_int64", _here("parsing_dim_tensor")),
        (T, "test_parsing_double", "n/a: isclose's rtol/atol given as tensors"),
        (T, "test_parsing_intlist", _here("parsing_intlist", "parsing_intlist_float")),
        (T, "test_from_buffer", _STORAGE),
        (T, "test_storage_error", _STORAGE),
        (T, "test_storage_error_no_attribute", _STORAGE),
        (T, "test_storage_casts", _STORAGE),
        (T, "test_storage_byteswap", _STORAGE),
        (T, "test_typed_storage_internal_no_warning", _STORAGE),
        (T, "test_typed_storage_deprecation_warning", _STORAGE),
        (T, "test_from_file", _STORAGE),
        (T, "test_torch_from_file", _STORAGE),
        (T, "test_print", "n/a: torch's printed form of tensors (gpuad prints NumPy's)"),
        (T, "test_sizeof", _STORAGE),
        (T, "test_iter", _here("iter_rows")),
        (
            T,
            "test_new",
            "n/a: the legacy Tensor.new constructor (gpuad has new_tensor, new_zeros, new_empty)",
        ),
        (T, "test_pin_memory", _DEVICE),
        (T, "test_error_msg_type_translation", _INTERNAL),
        (
            T,
            "test_apply",
            "n/a: Tensor.apply_ (a Python callable per element; gpuad has none: "
            "write it with gpuad.numpy)",
        ),
        (T, "test_map", "n/a: Tensor.map_ (gpuad has none: write it with gpuad.numpy)"),
        (T, "test_map2", "n/a: Tensor.map2_ (gpuad has none: write it with gpuad.numpy)"),
        (
            T,
            "test_Size",
            "covered: test_torch_api_gaps2.py::test_size_is_numpys_int_and_torchs_call",
        ),
        (
            T,
            "test_Size_scalar",
            "covered: test_torch_api_gaps2.py::test_size_is_numpys_int_and_torchs_call",
        ),
        (
            T,
            "test_Size_iter",
            "covered: test_torch_api_gaps2.py::test_size_is_numpys_int_and_torchs_call",
        ),
        (T, "test_t_not_2d_error", _here("t_of_3d", "t__of_3d")),
        (T, "test_set_flush_denormal", "n/a: torch.set_flush_denormal"),
        (T, "test_show_config", _INTERNAL),
        (T, "test_cxx_flags", _INTERNAL),
        (T, "test_parallel_info", _INTERNAL),
        (T, "test_get_cpu_capability", _INTERNAL),
        (T, "test_slow_test", "n/a: torch's slowTest decorator"),
        (
            T,
            "test_is_nonzero",
            "n/a: gpuad has no Tensor.is_nonzero (bool(t) is NumPy's "
            "truth value; covered: test_torch_numpy_interop.py::"
            "test_scalar_conversions)",
        ),
        (T, "test_assert_async", _INTERNAL),
        (T, "test_cuda_not_built", _DEVICE),
        (T, "test_has_internal_overlap", _INTERNAL),
        (T, "test_allow_tensor_metadata_change", _INTERNAL),
        (T, "test_c10_layer_norm", "n/a: torch.ops._caffe2"),
        (T, "test_memory_format", _MEMFMT),
        (T, "test_memory_format_contiguous_returns_same_tensor_if_already_satisfies", _MEMFMT),
        (T, "test_memory_format_empty", _MEMFMT),
        (T, "test_subclass_tensors", "n/a: subclassing torch.FloatTensor"),
        (T, "test_ndim", _here("ndim_numel_nelement")),
        (T, "test_nbytes", _here("element_size_itemsize_nbytes")),
        (
            T,
            "test_fill_diagonal",
            _here("fill_diagonal", "fill_diagonal_unequal_3d", grads=("fill_diagonal_wrap",)),
        ),
        (T, "test_setting_real_imag_to_a_number", _here("set_real_imag_to_a_number")),
        (T, "test_batch_norm_cpu_inference", "here: test_batch_norm_inference"),
        (T, "test_empty_meta", _META),
        (T, "test_format_scalar_meta", _META),
        (T, "test_upsample_nearest1d_meta", _META),
        (T, "test_upsample_nearest2d_meta", _META),
        (T, "test_add_meta_scalar", _META),
        (
            T,
            "test_normal_shape",
            "n/a: torch.normal(mean, std) of tensors (gpuad: "
            "mean + std * gnp.random.standard_normal(shape))",
        ),
        (T, "test_tensoriterator_output_setup", _QUANT),
        (T, "test_dot_data_use", _INTERNAL),
        (T, "test_empty_storage_view", _here("shape_empty_stack_chunk_split")),
        (T, "test_has_storage", _STORAGE),
        (T, "test_numel", _here("ndim_numel_nelement")),
        (T, "test_copy_dtypes", "n/a: deepcopy of torch.dtype objects"),
        (T, "test_dtype_is_signed", _here("is_signed")),
        (T, "test_RNGState", _RNG),
        (T, "test_RNGStateAliasing", _RNG),
        (T, "test_RNG_after_pickle", _RNG),
        (T, "test_boxMullerState", _RNG),
        (T, "test_manual_seed", _RNG),
        (T, "test_copy_transpose", _here("copy_from_transposed")),
        (
            T,
            "test_copy_broadcast",
            _here("copy_broadcast_row", "copy_broadcast_bad", grads=("copy_broadcast",)),
        ),
        (T, "test_copy_many_to_one", _here("expanded_copy_")),
        (T, "test_copy_float16", _here(*[c for c in CASES if c.startswith("copy_shapes")])),
        (T, "test_to", _here("to_returns_self_or_copy")),
        (T, "test_as_subclass", "n/a: Tensor.as_subclass (torch subclasses)"),
        (T, "test_slice", _here("slice_clamping")),
        (T, "test_type", "covered: test_torch_numpy_interop.py::test_to_and_type"),
        (T, "test_qengine", _QUANT),
        (
            T,
            "test_multinomial_invalid_probs",
            _here(*[c for c in CASES if c.startswith("multinomial_invalid")])
            + "; differs: too few nonzero weights for the draws without replacement raise; "
            "here: test_differs[multinomial_too_few_nonzero]",
        ),
        (T, "test_to_with_tensor", _DEVICE),
        (T, "test_device", "covered: test_torch_api_gaps2.py::test_device_and_is_cuda"),
        (T, "test_deterministic_flag", _DET),
        (
            T,
            "test_type_conversion_via_dtype_name",
            "covered: test_torch_numpy_interop.py::test_type_conversions",
        ),
        (T, "test_type_alias", "n/a: torch.dtype aliases"),
        (T, "test_doc_template", _INTERNAL),
        (T, "test_doc", _INTERNAL),
        (T, "test_tensor_ctor_scalar", "n/a: the legacy torch.Tensor constructor"),
        (T, "test_deepcopy_gradient", "here: test_pickle_and_deepcopy"),
        (T, "test_tensor_base_init", _INTERNAL),
        (T, "test_tensor_base_new", _INTERNAL),
        (T, "test_pyobj_preserved", _INTERNAL),
        (T, "test_subclass_preserved", _INTERNAL),
        (T, "test_tensor_slot_dealloc", _INTERNAL),
        (T, "test_tensor_dict_dealloc", _INTERNAL),
        (T, "test_tensor_finalizer_dealloc", _INTERNAL),
        (T, "test_tensor_weakref_dealloc", _INTERNAL),
        (T, "test_tensor_cycle_via_dict", _INTERNAL),
        (T, "test_tensor_cycle_via_slots", _INTERNAL),
        (T, "test_backward_hooks_traverse", _INTERNAL),
        (T, "test_dead_weak_ref", _INTERNAL),
        (T, "test_resurrected_weak_ref", _INTERNAL),
        (T, "test_fix_weakref_no_leak", _INTERNAL),
        (T, "test_bmm_multithreaded", _here("bmm_layouts")),
        (T, "test_conj_neg_tolist", _here("conj_tolist")),
        (T, "test_no_cuda_monkeypatch", _DEVICE),
        (T, "test_tensor_where_scalar", _here("where_scalar_method")),
        (T, "test_data_ptr_of_empty_tensor_with_storage", _STORAGE),
        (T, "test_data_ptr_of_empty_view_with_storage", _STORAGE),
    ]
    grads_by_neg = {
        "kthvalue": "kthvalue_neg_dim",
        "norm": "norm_neg_dim",
        "std": "std_neg_dim",
        "renorm": "renorm",
    }
    for nm in _NEG:
        g = (grads_by_neg[nm],) if nm in grads_by_neg else ()
        extra_cases = (f"neg_dim_inplace_{nm}",) if nm in _NEG_INPLACE else ()
        rows.append((T, f"test_{nm}_neg_dim", _here(f"neg_dim_{nm}", *extra_cases, grads=g)))
    rows.append((T, "test_cat_neg_dim", _here("neg_dim_cat")))
    C, RND, LK, BP, AA = (
        "TestTensorCreation",
        "TestRandomTensorCreation",
        "TestLikeTensorCreation",
        "TestBufferProtocol",
        "TestAsArray",
    )
    sc = _SHAPE + "test_shape_ops_match_torch"
    fc = _SHAPE + "test_factories_match_torch"
    rows += [
        (C, "test_diag_embed", sc),
        (C, "test_cat_mem_overlap", _OVERLAP),
        (C, "test_vander", _here("vander_empty", "vander_negative_n", "vander_2d")),
        (
            C,
            "test_vander_types",
            _here(
                *[c for c in CASES if c.startswith("vander_") and "_N" in c],
                grads=("vander", "vander_increasing"),
            )
            + "; differs: gnp.vander is NumPy's (float32 gives float64); "
            "here: test_differs[vander_float32]",
        ),
        (C, "test_cat_all_dtypes_and_devices", sc),
        (
            C,
            "test_fill_all_dtypes_and_devices",
            _here(
                *[
                    c
                    for c in CASES
                    if c.startswith("fill_") and "_" not in c[5:] and "diagonal" not in c
                ]
            ),
        ),
        (C, "test_roll", sc),
        (C, "test_diagflat", sc),
        (C, "test_block_diag", sc),
        (C, "test_block_diag_scipy", sc),
        (C, "test_torch_complex", sc),
        (C, "test_torch_polar", sc),
        (C, "test_torch_complex_floating_dtype_error", sc),
        (C, "test_torch_complex_same_dtype_error", sc),
        (C, "test_torch_complex_out_dtype_error", _OUT),
        (C, "test_cat_empty_legacy", sc),
        (C, "test_cat_empty", sc),
        (C, "test_cat_out", _OUT),
        (C, "test_cat_out_fast_path_dim0_dim1", sc),
        (C, "test_cat_out_channels_last", _MEMFMT),
        (C, "test_cat_in_channels_last", _MEMFMT),
        (C, "test_cat_preserve_channels_last", _MEMFMT),
        (C, "test_cat_out_memory_format", _MEMFMT),
        (C, "test_cat_stack_cross_devices", _DEVICE),
        (C, "test_cat", sc),
        (C, "test_device_rounding", _DEVICE),
        (C, "test_like_fn_stride_proparation_vs_tensoriterator_unary_op", _MEMFMT),
        (C, "test_hsplit", sc),
        (C, "test_vsplit", sc),
        (C, "test_dsplit", sc),
        (C, "test_hstack_column_stack", sc),
        (C, "test_vstack_row_stack", sc),
        (C, "test_dstack", sc),
        (C, "test_large_linspace", _here("linspace_large_int")),
        (C, "test_unpack_double", _here(*[c for c in CASES if c.startswith("tensor_of_")])),
        (
            C,
            "test_float_to_int_conversion_finite",
            _here(*[c for c in CASES if c.startswith("float_to_int_")]),
        ),
        (
            C,
            "test_float_to_int_conversion_nonfinite",
            "n/a: casting inf and nan to integers (undefined in C; NumPy warns and gives "
            "platform values, as torch's differ by CPU)",
        ),
        (C, "test_complex_type_conversions", "n/a: skipped upstream (unittest.skipIf(True))"),
        (C, "test_cat_big", "n/a: a 5 GB concatenation"),
        (C, "test_cat2", sc),
        (C, "test_zeros_dtype_layout_device_match", _here("zeros_dtype_match")),
        (C, "test_stack", _here("stack_every_dim")),
        (C, "test_stack_out", _OUT),
        (
            C,
            "test_repeat_interleave",
            _here("repeat_interleave_of_counts", "repeat_interleave_bad_repeats") + "; " + sc,
        ),
        (
            C,
            "test_new_methods_requires_grad",
            _here("new_full_int_requires_grad", "new_zeros_int_requires_grad")
            + "; "
            + _INTEROP
            + "test_new_methods_requires_grad",
        ),
        (C, "test_tensor_from_sequence", _INTEROP + "test_tensor_from_python"),
        (C, "test_simple_scalar_cast", _INTEROP + "test_scalar_conversions"),
        (C, "test_offset_scalar_cast", _INTEROP + "test_scalar_conversions"),
        (C, "test_meshgrid_empty", sc),
        (C, "test_meshgrid_unsupported_indexing", sc),
        (C, "test_meshgrid_non_1d_tensor", sc),
        (C, "test_meshgrid_inconsistent_dtype", sc),
        (C, "test_meshgrid_inconsistent_device", _DEVICE),
        (
            C,
            "test_meshgrid_warns_if_no_indexing",
            "n/a: torch's warning about its default indexing (gpuad's is NumPy's 'xy')",
        ),
        (C, "test_meshgrid_default_indexing", sc),
        (C, "test_meshgrid_xy_indexing", sc),
        (C, "test_meshgrid_ij_indexing", sc),
        (C, "test_meshgrid_ij_indexing_is_default", sc),
        (C, "test_meshgrid_vs_numpy", sc),
        (C, "test_cartesian_prod", sc),
        (C, "test_combinations", sc),
        (C, "test_linlogspace_mem_overlap", _OVERLAP),
        (C, "test_ctor_with_numpy_array", _INTEROP + "test_tensor_from_python"),
        (
            C,
            "test_random",
            _here(*[c for c in CASES if c.startswith(("random_from_to_", "random_to_"))]),
        ),
        (C, "test_random_bool", _here("random_bool")),
        (
            C,
            "test_random_from_to_bool",
            _here(
                "random_bool_from_to",
                "random_bool_to_out_of_bounds",
                "random_bool_from_out_of_bounds",
            ),
        ),
        (C, "test_random_full_range", _here("random_uint8_full_range")),
        (
            C,
            "test_random_from_to",
            _here(
                *[c for c in CASES if c.startswith("random_from_not_below_to")],
                "random_int8_from_out_of_bounds",
                "random_int8_to_out_of_bounds",
            ),
        ),
        (C, "test_random_to", _here(*[c for c in CASES if c.startswith("random_to_")])),
        (C, "test_random_default", _here(*[c for c in CASES if c.startswith("random_default_")])),
        (C, "test_empty_full", fc),
        (C, "test_tensor_device", _DEVICE),
        (C, "test_as_strided_neg", "n/a: as_strided (no storage; docs/porting.md)"),
        (C, "test_zeros", fc),
        (C, "test_zeros_out", _OUT),
        (C, "test_ones", fc),
        (
            C,
            "test_constructor_dtypes",
            "n/a: torch.set_default_tensor_type and the legacy typed constructors",
        ),
        (C, "test_constructor_device_legacy", _DEVICE),
        (C, "test_tensor_factory", _INTEROP + "test_tensor_from_python"),
        (C, "test_tensor_factory_copy_var", _INTEROP + "test_tensor_from_python"),
        (
            C,
            "test_tensor_factory_type_inference",
            _INTEROP + "test_tensor_from_python_dtype_argument",
        ),
        (C, "test_new_tensor", fc),
        (C, "test_as_tensor", _INTEROP + "test_tensor_from_python"),
        (C, "test_range", fc),
        (C, "test_range_warning", fc),
        (C, "test_arange", _here(*[c for c in CASES if c.startswith("arange_")]) + "; " + fc),
        (C, "test_arange_inference", fc),
        (C, "test_empty_strided", "n/a: empty_strided (gpuad has no strides)"),
        (C, "test_new_empty_strided", "n/a: new_empty_strided (gpuad has no strides)"),
        (C, "test_strided_mismatched_stride_shape", "n/a: as_strided (no storage)"),
        (C, "test_empty_tensor_props", _MEMFMT),
        (C, "test_empty_overflow", "n/a: storage-size overflow of exabyte tensors"),
        (C, "test_eye", _here(*[c for c in CASES if c.startswith("eye_")]) + "; " + fc),
        (C, "test_linspace_vs_numpy", fc),
        (C, "test_linspace_vs_numpy_integral", _here("linspace_int_dtypes")),
        (C, "test_linspace_vs_numpy_complex", fc),
        (C, "test_logspace_vs_numpy_complex", fc),
        (C, "test_logspace_vs_numpy", fc),
        (C, "test_range_factories_64bit_indexing", _DEVICE),
        (C, "test_tensor_ctor_device_inference", _DEVICE),
        (
            C,
            "test_signal_window_functions",
            "covered: test_torch_signal_windows.py::test_windows_match_torch",
        ),
        (
            C,
            "test_kaiser_window",
            "covered: test_torch_signal_windows.py::test_windows_match_torch",
        ),
        (C, "test_tensor_factories_empty", fc),
        (C, "test_tensor_factory_gpu_type_inference", _DEVICE),
        (C, "test_tensor_factory_gpu_type", _DEVICE),
        (C, "test_arange_device_vs_cpu", _DEVICE),
        (C, "test_arange_bfloat16", _HALF),
        (
            C,
            "test_linspace",
            _here(
                "linspace_exact_halves",
                "linspace_reversed",
                "linspace_negative_steps",
                "linspace_steps_0_1",
            )
            + "; "
            + fc,
        ),
        (
            C,
            "test_linspace_deduction",
            "covered: test_torch_shape_creation.py::"
            "test_default_float_dtype_is_float64_where_torchs_is_float32",
        ),
        (
            C,
            "test_logspace_deduction",
            "covered: test_torch_shape_creation.py::"
            "test_default_float_dtype_is_float64_where_torchs_is_float32",
        ),
        (C, "test_linspace_device_vs_cpu", _DEVICE),
        (C, "test_linspace_special_steps", _DEVICE),
        (C, "test_logspace_device_vs_cpu", _DEVICE),
        (C, "test_logspace_base2", _DEVICE),
        (C, "test_logspace_special_steps", _DEVICE),
        (C, "test_logspace", fc),
        (C, "test_full_inference", fc),
        (C, "test_full_out", _OUT),
        (C, "test_tensor_from_non_writable_numpy", _INTEROP + "test_numpy_non_writeable"),
        (RND, "test_normal", "here: test_random_fills"),
        (
            RND,
            "test_normal_std_error",
            _here("normal_negative_std", "normal_zero_std")
            + "; n/a: torch.normal(mean, std) of tensors (gpuad: mean + std * draws)",
        ),
        (
            RND,
            "test_uniform_from_to",
            "here: test_random_fills, test_same_as_torch[uniform_reversed_range], "
            "test_same_as_torch[uniform_empty_range], test_same_as_torch[uniform_infinite_bound], "
            "test_same_as_torch[uniform_range_too_wide]",
        ),
        (
            RND,
            "test_random_neg_values",
            _here(*[c for c in CASES if c.startswith("random_neg_values")]),
        ),
        (RND, "test_randint_inference", _RNG),
        (RND, "test_randint", _RNG),
        (RND, "test_randn", _RNG),
        (RND, "test_rand", _RNG),
        (RND, "test_randperm", _RNG),
        (RND, "test_randperm_device_compatibility", _DEVICE),
        (LK, "test_ones_like", fc),
        (LK, "test_empty_like", fc),
        (LK, "test_zeros_like", fc),
        (LK, "test_zeros_like_multiple_device", _DEVICE),
        (LK, "test_ones_like_multiple_device", _DEVICE),
        (LK, "test_full_like_inference", fc),
        (BP, "test_same_type", _here(*[f"frombuffer_{d}" for d in _BUF_DT])),
        (
            BP,
            "test_requires_grad",
            "n/a: frombuffer(requires_grad=) (gpuad's frombuffer is "
            "NumPy's; wrap with gpuad.tensor(..., requires_grad=True))",
        ),
        (BP, "test_with_offset", _here(*[f"frombuffer_{d}" for d in _BUF_DT])),
        (BP, "test_with_count", _here(*[f"frombuffer_{d}" for d in _BUF_DT])),
        (BP, "test_with_count_and_offset", _here(*[f"frombuffer_{d}" for d in _BUF_DT])),
        (
            BP,
            "test_invalid_positional_args",
            _here(
                "frombuffer_unaligned_offset",
                *[c for c in CASES if c.startswith(("frombuffer_count_", "frombuffer_offset_"))],
            )
            + "; differs: gnp.frombuffer is NumPy's (empty results where torch raises); "
            "here: test_differs[frombuffer_empty]",
        ),
        (
            BP,
            "test_shared_buffer",
            "n/a: writing into a host buffer through frombuffer (on the NumPy backend "
            "gnp.frombuffer is NumPy's view of it, on CuPy a device copy)",
        ),
        (BP, "test_not_a_buffer", _here("frombuffer_not_a_buffer")),
        (BP, "test_non_writable_buffer", "n/a: torch's warning about a read-only buffer"),
        (BP, "test_byte_to_int", _here("frombuffer_byte_to_int")),
        (AA, "test_alias_from_tensor", "here: test_asarray_alias_and_copy"),
        (AA, "test_alias_from_numpy", "here: test_asarray_alias_and_copy"),
        (AA, "test_alias_from_dlpack", _STORAGE),
        (AA, "test_alias_from_buffer", _STORAGE),
        (AA, "test_copy_tensor", "here: test_asarray_alias_and_copy"),
        (AA, "test_copy_from_numpy", "here: test_asarray_alias_and_copy"),
        (AA, "test_copy_from_dlpack", _STORAGE),
        (AA, "test_copy_from_buffer", _STORAGE),
        (AA, "test_copy_from_tensor_mult_devices", _DEVICE),
        (AA, "test_copy_from_dlpack_mult_devices", _DEVICE),
        (AA, "test_copy_list", _here(*[c for c in CASES if c.startswith("asarray_copy_list")])),
        (AA, "test_unsupported_alias", _here("asarray_copy_false_other_dtype")),
        (AA, "test_unsupported_alias_mult_devices", _DEVICE),
        (AA, "test_retain_autograd_history", _here(grads=("asarray_keeps_history",))),
        (
            AA,
            "test_astensor_consistency",
            _here(*[c for c in CASES if c.startswith("asarray_of_python")]),
        ),
        (
            AA,
            "test_numpy_scalars",
            _here("asarray_numpy_scalar", "asarray_numpy_scalar_copy_false"),
        ),
        (AA, "test_default_device", _DEVICE),
    ]
    extra = {  # more cases of this file for rows written above
        "test_index_select": ("index_select_0d_two_indices", "index_select_float_index"),
        "test_take": ("take_out_of_range", "take_negative", "take_below_range"),
        "test_put": ("put_out_of_range", "put_negative", "put_int_accumulate"),
        "test_masked_fill": ("masked_fill_complex_into_real", "masked_fill_growing_self"),
        "test_masked_scatter": ("masked_scatter_uint8_mask", "masked_scatter_growing_self"),
        "test_fill_diagonal": ("fill_diagonal_1d",),
        "test_cumsum": ("method_cumsum__cumprod_",),
        "test_cumprod": ("method_cumsum__cumprod_",),
        "test_broadcast": ("lerp_growing_self",),
        "test_index_add_correctness": ("index_add_float_index",),
        "test_index_fill": ("index_fill_int_value_into_bool",),
        "test_scatter_add_to_large_input": ("scatter_add_index_out_of_range",),
        "test_gather_backward_one_dim": ("gather_index_out_of_range", "gather_negative_index"),
    }
    out = []
    for cls, name, where in rows:  # (none of these names is in two classes)
        if name in extra:
            where = _here(*extra[name]) + "; " + where
        out.append((cls, name, where))
    return tuple(out)


GAPS = _rows()
_N_UPSTREAM = 560  # methods of the seven classes, parametrised helpers counted once


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == _N_UPSTREAM
    here_dir = Path(__file__).parent
    params = {
        "test_same_as_torch": set(CASES),
        "test_grads_match_torch": set(GRADS),
        "test_differs": set(DIFFERS),
    }
    named = set()
    for cls, name, where in GAPS:
        assert name.startswith("test_"), (cls, name)
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        for fn, param in re.findall(r"(?:here: |, )(test_\w+)(?:\[([^\]]+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                assert param in params[fn], (name, fn, param)
                named.add((fn, param))
        for path, obj in re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where):
            text = (here_dir / path).read_text()
            assert f"def {obj}" in text, (name, path, obj)
    for fn, cases in params.items():
        missing = {c for c in cases if (fn, c) not in named}
        assert not missing, f"{fn} cases mapped from no upstream test: {sorted(missing)}"


_ = types  # (kept for case helpers that build namespaces)
