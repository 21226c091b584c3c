"""PyTorch's OpInfo database as an oracle for gpuad's torch-style API.

Every OpInfo whose name gpuad provides is run on a few of its own float64 samples: ``x.name``
(a Tensor method) for plain ops, ``gpuad.nn.functional.name`` for ``nn.functional.name``,
``gpuad.linalg`` (else ``gpuad.numpy.linalg``) for ``linalg.name``, ``gpuad.scipy.special``
for ``special.name``, ``gpuad.numpy.fft`` for ``fft.name`` and ``gpuad.masked`` for
``masked.name``; ``CALL`` spells the others
gpuad has (attributes such as ``x.mT``, torch functions that ``gpuad.numpy`` takes with torch's
arguments, and torch functions without a Tensor method as docs/porting.md writes them), and
``NOT_RUN`` says why the ones left out are (``signal.windows.name``, whose samples hold no
tensor, is ``gpuad.scipy.signal.windows.name`` run on all its reference samples, values
compared). Torch tensors in the sample
become gpuad Tensors (``requires_grad`` mirrored), torch dtypes NumPy dtypes. Each sample
either matches (values to 1e-10, and the gradients of ``sum(out * c)`` for a fixed random
cotangent ``c`` to 1e-8, relative to the largest entry; ``COMPLEX_GRADS`` ops also through
complex inputs and outputs, ``re(sum(out * c))``; ``COMPLEX_SAMPLES`` ops, which take no real
tensor, on complex128 samples), or gpuad raises an error of a clear
kind; a different value or gradient fails. Samples where gpuad deliberately differs are listed
in ``KNOWN`` with the reason; ``PREPARE`` adjusts samples an op's contract excludes;
randomised ops (``RANDOMISED``) are compared on the part of their result that does not depend
on the random draw. The whole
file runs in about two minutes on two cores.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
try:
    from torch.testing._internal.common_methods_invocations import op_db
except Exception as e:  # noqa: BLE001  (torch's internals move between releases)
    pytest.skip(f"torch's OpInfo database is not importable: {e}", allow_module_level=True)

import gpuad as ad  # noqa: E402
import gpuad.linalg as glinalg  # noqa: E402
import gpuad.nn.functional as F  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from tests.conformance import _unpool_exact  # noqa: E402

gspecial = importlib.import_module("gpuad.scipy.special")
gmasked = importlib.import_module("gpuad.masked")

MAX_SAMPLES = 16
VALUE_RTOL = 1e-10
GRAD_RTOL = 1e-8

_TORCH2NP = {torch.float64: np.float64, torch.float32: np.float32, torch.float16: np.float16,
             torch.int64: np.int64, torch.int32: np.int32, torch.int16: np.int16,
             torch.int8: np.int8, torch.uint8: np.uint8, torch.bool: np.bool_,
             torch.complex128: np.complex128, torch.complex64: np.complex64}

# Ops that read one triangle of a symmetric input: gpuad's gradient lives on that triangle,
# torch's is symmetrised (docs/semantics.md, "Which triangle"); their symmetric parts agree.
HERMITIAN = {"cholesky", "linalg.cholesky", "linalg.cholesky_ex", "linalg.eigh", "linalg.eigvalsh",
             "linalg.pinv"}


def _symmetrised(s):
    """The sample with a symmetric input: linalg.pinv(hermitian=True)'s OpInfo samples are not,
    and torch's gradient there assumes they are (gpuad's is the derivative of the function
    of one triangle, which central differences confirm)."""
    a = s.input.detach()
    s.input = ((a + a.mT) / 2).requires_grad_(s.input.requires_grad)
    return s


def _float64_aweights(s):
    """torch.cov weighs in aweights' own dtype (float32 in some samples: off by 1e-7);
    gpuad in the data's float64."""
    if s.kwargs.get("aweights") is not None:
        s.kwargs["aweights"] = s.kwargs["aweights"].detach().double().requires_grad_(
            s.kwargs["aweights"].requires_grad)
    return s


def _float64_window(s):
    """torch's windows default to float32 where no dtype is passed (some reference samples),
    gpuad's to float64: compare float64 windows."""
    s.kwargs.setdefault("dtype", torch.float64)
    return s


def _increasing_edges(s):
    """histogramdd's bin edges in increasing order: its OpInfo draws them at random, where
    NumPy's histogramdd (gpuad's) requires increasing edges and raises otherwise."""
    bins = s.args[0]
    if isinstance(bins, list | tuple) and bins and isinstance(bins[0], torch.Tensor):
        s.args = ([b.sort().values for b in bins], *s.args[1:])
    return s


def _own_window(s):
    """The sample with its window as a tensor of its own: the (i)stft samples' windows are
    views of a longer tensor, and torch's autograd.grad with respect to such a view returns
    None (central differences and a cloned window give the gradient gpuad returns)."""
    w = s.kwargs.get("window")
    if isinstance(w, torch.Tensor):
        s.kwargs["window"] = w.detach().clone().requires_grad_(w.requires_grad)
    return s


WINDOWS = ("bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall")
PREPARE = {"linalg.pinv.hermitian": _symmetrised, "cov": _float64_aweights,
           "histogramdd": _increasing_edges, "stft": _own_window, "istft": _own_window,
           **{f"signal.windows.{w}": _float64_window for w in WINDOWS}}

# torch's CTC backward gives the gradient of the logits beneath a log_softmax (the samples'
# log_probs are one), not the derivative in log_probs (gpuad's); through that log_softmax,
# ``g - exp(log_probs) * sum(g)``, the two agree
THROUGH_LOG_SOFTMAX = {"nn.functional.ctc_loss"}

# Ops that read one triangle of a Cholesky factor (the lower, or the upper with upper=True),
# and which input that is: gpuad's gradient lives on that triangle, torch's is that of the
# function of the whole matrix; on the triangle read they agree.
TRIANGLE = {"cholesky_solve": 1, "cholesky_inverse": 0}


def _training(s) -> bool:
    return bool(s.kwargs.get("training", False))


def _training_by_default(s) -> bool:  # F.dropout, dropout2d, dropout3d
    return bool(s.kwargs.get("training", True))


# op name (with its variant) -> (which samples, why gpuad differs from torch there)
KNOWN = {
    "nn.functional.dropout": (_training_by_default, "random: gpuad's mask is not torch's"),
    "nn.functional.dropout2d": (_training_by_default, "random: gpuad's mask is not torch's"),
    "nn.functional.dropout3d": (_training_by_default, "random: gpuad's mask is not torch's"),
    "nn.functional.alpha_dropout": (_training, "random: gpuad's mask is not torch's"),
    "nn.functional.feature_alpha_dropout.with_train": (
        _training, "random: gpuad's mask is not torch's"),
    "nn.functional.rrelu": (_training, "random slopes while training"),
    "nn.functional.fractional_max_pool2d": (
        lambda s: s.kwargs.get("_random_samples") is None, "random: gpuad's windows are not "
        "torch's (tests/conformance/test_torch_module_db.py passes the samples)"),
    "nn.functional.fractional_max_pool3d": (
        lambda s: s.kwargs.get("_random_samples") is None, "random: gpuad's windows are not "
        "torch's (tests/conformance/test_torch_module_db.py passes the samples)"),
    "nn.functional.scaled_dot_product_attention": (
        lambda s: s.kwargs.get("dropout_p", 0.0) > 0, "random: attention dropout"),
    "new_empty": (lambda s: True, "uninitialised values"),
    "multinomial": (lambda s: True, "random: gpuad's draws are not torch's (the draws' "
                    "frequencies and the errors: tests/test_ports_round5_regressions.py)"),
    "linalg.eig": (lambda s: True, "eigenvectors are unique only up to a complex phase"),
    "linalg.eigh": (lambda s: True, "eigenvectors are unique only up to sign"),
    "max.reduction_with_dim": (
        lambda s: not s.kwargs and len(s.args) == 1,
        "x.max(1) is NumPy's (values only), docs/porting.md"),
    "min.reduction_with_dim": (
        lambda s: not s.kwargs and len(s.args) == 1,
        "x.min(1) is NumPy's (values only), docs/porting.md"),
    "std": (lambda s: not s.args and not s.kwargs, "x.std() is NumPy's ddof=0, docs/porting.md"),
    "var": (lambda s: not s.args and not s.kwargs, "x.var() is NumPy's ddof=0, docs/porting.md"),
    "cumsum": (lambda s: s.input.ndim == 0 and not s.kwargs,
               "x.cumsum(0) of a 0-d tensor is NumPy's (1-d), docs/porting.md"),
    "cumprod": (lambda s: s.input.ndim == 0 and not s.kwargs,
                "x.cumprod(0) of a 0-d tensor is NumPy's (1-d), docs/porting.md"),
    "repeat": (lambda s: True, "x.repeat is NumPy's (x.tile is torch's repeat), docs/porting.md"),
    "argsort": (lambda s: s.input.ndim == 0 and not s.kwargs and len(s.args) < 2,
                "x.argsort() of a 0-d tensor is NumPy's (1-d)"),
    "linalg.svd": (lambda s: True, "singular vectors are unique only up to sign"),
    "svd_lowrank": (lambda s: s.kwargs.get("M") is not None,
                    "randomised: q is below the rank of A - M, so the result depends on the "
                    "random draw (gpuad's is not torch's)"),
    "linalg.solve": (
        lambda s: s.args[0].ndim == s.input.ndim - 1 and s.args[0].ndim > 1,
        "gpuad.numpy.linalg.solve is NumPy's: a b of more than one dim is a stack of "
        "matrices, where torch reads b of A's shape less one dim as vectors"),
}

# torch's own values are less accurate here: the tolerance they are compared to (mpmath
# agrees with gpuad's, which are scipy.special's j0, j1, y0, y1 and airy, to 1e-15; torch's
# airy_ai is off by up to 3e-6, near x = -2.09 where its method changes)
VALUE_RTOL_OF = {"special.bessel_j0": 1e-6, "special.bessel_j1": 1e-6,
                 "special.bessel_y0": 1e-6, "special.bessel_y1": 1e-6, "special.airy_ai": 5e-6}

# randomised ops: compared (values and gradients) on the part of the result that does not
# depend on the random draw, the OpInfo's own ``output_process_fn_grad`` (``(U V^H, S)``)
RANDOMISED = {"svd_lowrank", "pca_lowrank"}

# errors that name nothing: raising one of these is a failure too
UNCLEAR = (ZeroDivisionError, KeyError, AttributeError, UnboundLocalError, NameError,
           AssertionError, RecursionError)


# torch functions without a Tensor method whose samples a gpuad Tensor method takes as they are
# (gpuad's unfold is a copy, as torch's unfold_copy)
METHOD_FOR = {"unfold_copy": "unfold", "rsub": "rsub", "narrow_copy": "narrow_copy"}
gslinalg = importlib.import_module("gpuad.scipy.linalg")
gwindows = importlib.import_module("gpuad.scipy.signal.windows")
gintegrate = importlib.import_module("gpuad.scipy.integrate")


def _axis_kw(f, **renamed):
    """``f`` called with torch's keywords renamed to NumPy's (``dim`` -> ``axis``, ...)."""
    renamed = {"dim": "axis", **renamed}
    return lambda *a, **k: f(*a, **{renamed.get(n, n): v for n, v in k.items()})


# OpInfos whose op is an attribute or a lambda, and torch functions gpuad.numpy (or
# gpuad.scipy) provides with torch's arguments: the OpInfo's call spelled in gpuad
CALL = {
    "T": lambda x: x.T, "H": lambda x: x.H, "mT": lambda x: x.mT, "mH": lambda x: x.mH,
    "real": lambda x: x.real, "item": lambda x: x.item(),
    "zero_": lambda x: x.clone().zero_(), "fill": lambda x, value: x.clone().fill_(value),
    "einsum": lambda tensors, equation: gnp.einsum(equation, *tensors),
    "stack": _axis_kw(gnp.stack), "cat": _axis_kw(gnp.concatenate),
    "hstack": gnp.hstack, "vstack": gnp.vstack, "dstack": gnp.dstack,
    "column_stack": gnp.column_stack, "atleast_1d": lambda x: _each(gnp.atleast_1d, x),
    "atleast_2d": lambda x: _each(gnp.atleast_2d, x),
    "atleast_3d": lambda x: _each(gnp.atleast_3d, x),
    "broadcast_tensors": gnp.broadcast_arrays, "block_diag": gslinalg.block_diag,
    "tensordot": _axis_kw(gnp.tensordot, dims="axes"),
    "meshgrid": lambda *xs, **k: gnp.meshgrid(
        *(xs[0] if len(xs) == 1 and isinstance(xs[0], list) else xs), **k),
    "trapezoid": _axis_kw(gnp.trapezoid), "trapz": _axis_kw(gnp.trapezoid),
    "isin": gnp.isin, "zeros_like": gnp.zeros_like, "ones_like": gnp.ones_like,
    "special.bessel_j0": gspecial.j0, "special.bessel_j1": gspecial.j1,
    "special.bessel_y0": gspecial.y0, "special.bessel_y1": gspecial.y1,
    "special.modified_bessel_i0": gspecial.i0, "special.modified_bessel_i1": gspecial.i1,
    "special.modified_bessel_k0": gspecial.k0, "special.modified_bessel_k1": gspecial.k1,
    "special.scaled_modified_bessel_k0": gspecial.k0e,
    "special.scaled_modified_bessel_k1": gspecial.k1e,
    # torch functions without a Tensor method, as docs/porting.md spells them in gpuad
    "std_mean": lambda x, *a, **k: _with_mean("std", x, *a, **k),
    "var_mean": lambda x, *a, **k: _with_mean("var", x, *a, **k),
    "t_copy": lambda x: x.t().clone(),
    "transpose_copy": lambda x, *a: x.transpose(*a).clone() if x.ndim != 2 or a[0] % 2 == a[1] % 2
    else x.swapaxes(*a).clone(),
    "permute_copy": lambda x, *a: x.permute(*a).clone(),
    "expand_copy": lambda x, *a, **k: x.expand(*a, **k).clone(),
    "squeeze_copy": lambda x, *a: x.squeeze(dim=a[0] if a else None).clone(),
    "unsqueeze_copy": lambda x, d: x.unsqueeze(d).clone(),
    "view_copy": lambda x, *a: x.view(*a).clone(),
    "diagonal_copy": lambda x, *a, **k: x.diagonal(*a, **k).clone(),
    "unbind_copy": lambda x, *a: tuple(t.clone() for t in x.unbind(*a)),
    "split_with_sizes_copy": lambda x, *a: tuple(t.clone() for t in x.split_with_sizes(*a)),
    "alias_copy": lambda x: x.clone(),
    "complex": lambda re, im: re + 1j * im,
    "polar": lambda r, theta: r * gnp.exp(1j * theta),
    "view_as_real": lambda z: gnp.stack([gnp.real(z), gnp.imag(z)], -1),
    "view_as_complex": lambda x: x[..., 0] + 1j * x[..., 1],
    "cartesian_prod": lambda *xs: xs[0] if len(xs) == 1 else gnp.stack(
        [g.reshape(-1) for g in gnp.meshgrid(*xs, indexing="ij")], -1),
    "special.spherical_bessel_j0": lambda x: gnp.sinc(x / np.pi),
    "cumulative_trapezoid": lambda y, x=None, *, dx=None, dim=-1: gintegrate.cumulative_trapezoid(
        y, x, dx=1.0 if dx is None else dx, axis=dim),
    "gradient": lambda x, *, spacing=None, dim=None, edge_order=1: _tuple(gnp.gradient(
        x, *(() if spacing is None else spacing if isinstance(spacing, list | tuple)
             else (spacing,)), axis=dim, edge_order=edge_order)),
    "constant_pad_nd": lambda x, pad, value=0: F.pad(x, pad, "constant", value),
    "lu_unpack": glinalg.lu_unpack,
    "cdist": F.cdist,
    "combinations": gnp.combinations, "bucketize": gnp.bucketize,
    "searchsorted": gnp.searchsorted,
    "histogramdd": lambda x, bins, **k: _histogramdd(x, bins, **k),
    # the OpInfos call op(a, b) on a @ b.mT
    "svd_lowrank": lambda a, b, **k: glinalg.svd_lowrank(a @ b.mT, **k),
    "pca_lowrank": lambda a, b, **k: glinalg.pca_lowrank(a @ b.mT, **k),
}


def _histogramdd(x, bins, range=None, weight=None, density=False):
    """torch.histogramdd as docs/porting.md spells it: gnp.histogramdd of the (N, D) points,
    ``range`` in pairs, ``weights=``."""
    pairs = None if range is None else [tuple(range[i:i + 2]) for i in np.arange(0, len(range), 2)]
    w = None if weight is None else weight.reshape(-1)
    return gnp.histogramdd(x.reshape(-1, x.shape[-1]), bins, range=pairs, weights=w,
                           density=density)


def _window(name: str):
    """torch.signal.windows.<name>(M, sym=, dtype=, device=, requires_grad=, ...) as
    gpuad.scipy.signal.windows.<name>: the same arguments less torch's device and
    requires_grad (a window is a constant on the active backend)."""
    f = getattr(gwindows, name)
    return lambda M, *, device=None, requires_grad=False, **k: f(M, **k)


CALL.update({f"signal.windows.{w}": _window(w) for w in WINDOWS})


def _tuple(r):
    return tuple(r) if isinstance(r, list | tuple) else (r,)


def _each(f, x):
    """torch's ``atleast_1d(list)`` is NumPy's ``atleast_1d(*list)``."""
    return tuple(f(*x)) if isinstance(x, list | tuple) else f(x)


def _with_mean(which: str, x, *a, **k):
    """torch.std_mean / var_mean as ``(x.std(dim=...), x.mean(dim=...))``."""
    if a and isinstance(a[0], bool):  # std_mean(x, unbiased)
        k["unbiased"], a = a[0], a[1:]
    dim = k.pop("dim", a[0] if a else None)
    return getattr(x, which)(dim=dim, **k), x.mean(dim=dim, keepdim=k.get("keepdim", False))

# torch functions gpuad spells otherwise, deliberately: not run here
NOT_RUN = {
    "arange": "factories take NumPy's arguments (gnp.arange, zeros, ones, full, empty, eye, "
              "linspace, logspace); their OpInfo samples hold no tensor to compare",
    "full_like": "torch's full_like(x, v) is gnp.full_like's; its OpInfo passes device=",
}


def _resolve(op):
    """The gpuad callable for an OpInfo, taking ``(input, *args, **kwargs)``, or None."""
    name = op.name
    if _full(op) == "linalg.lstsq.grad_oriented":  # this OpInfo keeps (solution, residuals)
        return lambda a, b, **k: tuple(glinalg.lstsq(a, b, **k)[:2])
    if name in CALL:
        return CALL[name]
    if name in METHOD_FOR:
        return lambda x, *a, **k: getattr(x, METHOD_FOR[name])(*a, **k)
    if name in ("nn.functional.embedding", "nn.functional.embedding_bag"):  # op(weight, idx)
        f = getattr(F, name[len("nn.functional."):])
        return lambda w, idx, *a, **k: f(idx, w, *a, **k)
    if name.startswith("nn.functional."):
        return getattr(F, name[len("nn.functional."):], None)
    if name.startswith("linalg."):
        return getattr(glinalg, name[7:], None) or getattr(gnp.linalg, name[7:], None)
    if name == "special.polygamma":  # the OpInfo calls op(x, n)
        return lambda x, n, **k: gspecial.polygamma(n, x, **k)
    if name.startswith("special."):
        return getattr(gspecial, name[8:], None)
    if name.startswith("fft."):
        return getattr(gnp.fft, name[4:], None)
    if name.startswith("masked."):
        return getattr(gmasked, name[7:], None)
    if "." in name or op.method_variant is None or not hasattr(ad.Tensor, name):
        return None
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


def _full(op) -> str:
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


# ops whose samples are complex128 (istft takes no real tensor), and ops whose gradients are
# compared through complex inputs and outputs too (a real loss ``re(sum(out * c))`` for a
# random complex ``c``)
COMPLEX_SAMPLES = {"istft"}
COMPLEX_GRADS = {"stft", "istft"}


def _dtype(op):
    return torch.complex128 if op.name in COMPLEX_SAMPLES else torch.float64


def _collected(op) -> bool:
    if _dtype(op) not in op.supported_dtypes("cpu") or _resolve(op) is None:
        return False
    # linalg.pinv's plain and "singular" OpInfos call compositions (a @ b.mT) through a lambda:
    # their samples are not pinv's arguments
    return op.name != "linalg.pinv" or op.variant_test_name == "hermitian"


OPS = [op for op in op_db if _collected(op)]


def _to_gpuad(v, pairs, complex_grads=False):
    if isinstance(v, torch.Tensor):
        a = v.detach().resolve_conj().numpy().copy()
        if v.requires_grad and (v.dtype.is_floating_point
                                or (complex_grads and v.dtype.is_complex)):
            t = ad.tensor(a, requires_grad=True)
            pairs.append((v, t))
            return t
        return ad.tensor(a)
    if isinstance(v, torch.dtype):
        return _TORCH2NP[v]
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, list):
        return [_to_gpuad(x, pairs, complex_grads) for x in v]
    if isinstance(v, tuple) and not hasattr(v, "_fields"):
        return tuple(_to_gpuad(x, pairs, complex_grads) for x in v)
    if isinstance(v, dict):
        return {k: _to_gpuad(x, pairs, complex_grads) for k, x in v.items()}
    return v


def _flat(o):
    if isinstance(o, tuple | list):
        return [y for x in o for y in _flat(x)]
    return [o]


def _host(x):
    if isinstance(x, torch.Tensor):
        return x.detach().resolve_conj().resolve_neg().numpy()
    if isinstance(x, ad.Tensor):
        return np.asarray(x.numpy())
    return np.asarray(x)


def _differs(g, t, rtol):
    """None when ``g`` equals torch's ``t`` (NaNs and infinities in the same places, finite
    entries within ``rtol`` of the largest), else what differs."""
    g, t = _host(g), _host(t)
    if g.shape != t.shape:
        return f"shape {g.shape}, torch's {t.shape}"
    if t.dtype == np.bool_ or g.dtype == np.bool_:
        return None if np.array_equal(g.astype(bool), t.astype(bool)) else "booleans differ"
    if t.size == 0:
        return None
    tc, gc = t.astype(np.complex128), g.astype(np.complex128)
    fin = np.isfinite(tc)
    if not np.array_equal(fin, np.isfinite(gc)):
        return "NaN/inf in other places"
    if not np.array_equal(tc[~fin], gc[~fin], equal_nan=True):
        return "other infinities"
    if not fin.any():
        return None
    scale = max(1.0, float(np.abs(tc[fin]).max()))
    err = np.abs(gc[fin] - tc[fin])
    if not np.all(err <= rtol * (np.abs(tc[fin]) + scale)):
        return f"max abs error {err.max():.3g} (largest entry {scale:.3g})"
    return None


def _sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2 if a.ndim >= 2 else a


def _torch_forward(op, s):
    """torch's op; max_unpool with gpuad's derivative at repeated indices, where torch also
    passes a gradient to the overwritten values that do not reach the output."""
    if not op.name.startswith("nn.functional.max_unpool"):
        return op
    idx = s.args[0] if s.args else s.kwargs["indices"]
    return _unpool_exact.exact(op, idx.numpy(), int(op.name[-2]))


def run_sample(op, fn, s, rng) -> tuple[str, str]:
    """``("match" | "raised" | "mismatch", detail)`` for one OpInfo sample."""
    pairs: list = []
    cg = op.name in COMPLEX_GRADS
    gin = _to_gpuad(s.input, pairs, cg)
    gargs = _to_gpuad(tuple(s.args), pairs, cg)
    gkw = _to_gpuad(dict(s.kwargs), pairs, cg)
    tout = _torch_forward(op, s)(s.input, *s.args, **s.kwargs)
    try:
        gout = fn(gin, *gargs, **gkw)
        if op.name in RANDOMISED:
            tout, gout = s.output_process_fn_grad(tout), s.output_process_fn_grad(gout)
    except UNCLEAR:
        raise
    except Exception as e:  # noqa: BLE001
        return "raised", f"{type(e).__name__}: {e}"
    tl, gl = _flat(tout), _flat(gout)
    if len(tl) != len(gl):
        return "mismatch", f"{len(gl)} outputs, torch {len(tl)}"
    for i, (t, g) in enumerate(zip(tl, gl, strict=True)):
        if isinstance(t, torch.Tensor) or isinstance(g, ad.Tensor):
            d = _differs(g, t, VALUE_RTOL_OF.get(op.name, VALUE_RTOL))
            if d:
                return "mismatch", f"output {i}: {d}"
        elif not (t == g or (isinstance(t, float) and np.isclose(t, g, rtol=VALUE_RTOL))):
            return "mismatch", f"output {i}: {g!r}, torch {t!r}"
    if not pairs or not op.supports_autograd:
        return "match", ""
    outs = [(t, g) for t, g in zip(tl, gl, strict=True)
            if isinstance(t, torch.Tensor) and t.requires_grad
            and (t.dtype.is_floating_point or (cg and t.dtype.is_complex))]
    if not outs:
        return "match", ""
    tloss, gloss = 0, 0
    for t, g in outs:
        if not isinstance(g, ad.Tensor):
            return "mismatch", "gpuad's output is a constant, torch's requires grad"
        c = rng.standard_normal(tuple(t.shape))
        if t.dtype.is_complex:
            c = c + 1j * rng.standard_normal(tuple(t.shape))
            tloss = tloss + (t * torch.from_numpy(c)).sum().real
            gloss = gloss + gnp.real((g * ad.tensor(c)).sum())
            continue
        tloss = tloss + (t * torch.from_numpy(c)).sum()
        gloss = gloss + (g * ad.tensor(c)).sum()
    tg = torch.autograd.grad(tloss, [t for t, _ in pairs], allow_unused=True)
    try:
        gg = ad.autograd.grad(gloss, [g for _, g in pairs], allow_unused=True)
    except UNCLEAR:
        raise
    except Exception as e:  # noqa: BLE001
        if all(x is None or not (x != 0).any() for x in tg):
            return "match", f"backward raised where torch's gradient is zero: {e}"
        return "raised", f"backward {type(e).__name__}: {e}"
    for i, (a, b) in enumerate(zip(gg, tg, strict=True)):
        b = np.zeros(tuple(pairs[i][0].shape)) if b is None else _host(b)
        a = np.zeros(b.shape) if a is None else _host(a)
        if op.name in HERMITIAN:
            a, b = _sym(a), _sym(b)
        if op.name in THROUGH_LOG_SOFTMAX and i == 0:
            p = np.exp(_host(pairs[0][0]))
            a, b = a - p * a.sum(-1, keepdims=True), b - p * b.sum(-1, keepdims=True)
        if TRIANGLE.get(op.name) == i:
            part = np.triu if s.kwargs.get("upper", False) else np.tril
            a, b = part(a), part(b)
        d = _differs(a, b, GRAD_RTOL)
        if d:
            return "mismatch", f"gradient of input {i} {b.shape}: {d}"
    return "match", ""


@pytest.mark.parametrize("op", OPS, ids=[_full(op) for op in OPS])
def test_opinfo_samples_match_torch(op):
    fn = _resolve(op)
    known = KNOWN.get(_full(op))
    rng = np.random.default_rng(0)
    bad, ran = [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if op.name.startswith("signal.windows."):  # cheap: every reference sample
            samples = op.reference_inputs("cpu", torch.float64, requires_grad=False)
            limit = None
        else:
            samples = op.sample_inputs("cpu", _dtype(op), requires_grad=op.supports_autograd)
            limit = MAX_SAMPLES
        for s in samples:
            if ran == limit:
                break
            ran += 1
            if known is not None and known[0](s):
                continue
            if _full(op) in PREPARE:
                s = PREPARE[_full(op)](s)
            status, detail = run_sample(op, fn, s, rng)
            if status == "mismatch":
                shapes = [tuple(a.shape) for a in (s.input, *s.args)
                          if isinstance(a, torch.Tensor)]
                bad.append(f"{detail} (tensor shapes {shapes}, kwargs {s.kwargs})")
    assert not bad, f"{_full(op)} differs from torch:\n" + "\n".join(bad)


def test_not_run_entries_are_not_resolved():
    """Every NOT_RUN entry names an OpInfo whose torch function the resolver leaves out."""
    names = {op.name for op in op_db}
    left = {op.name for op in op_db if _resolve(op) is None}
    assert set(NOT_RUN) <= names and set(NOT_RUN) <= left, sorted(set(NOT_RUN) - left)


def test_known_entries_name_collected_ops():
    """Every KNOWN entry names an OpInfo this file runs (a renamed one would go unnoticed)."""
    names = {_full(op) for op in OPS}
    assert set(KNOWN) <= names, sorted(set(KNOWN) - names)
