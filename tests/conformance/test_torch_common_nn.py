"""PyTorch's older nn test tables (``torch.testing._internal.common_nn``: ``module_tests``,
``get_new_module_tests()`` with its ``*_no_reduce_test`` losses, and ``criterion_tests``) run
against gpuad.nn.

Each entry is built twice: the torch module from its ``constructor`` (a class, a lambda or a
``wrap_functional`` module) and ``constructor_args``; the gpuad module from the same code with
``nn``, ``F`` and ``torch`` read as ``gpuad.nn``, ``gpuad.nn.functional`` and a few dtype names,
and with the tensors the code closes over (targets, class weights) copied into gpuad Tensors.
The torch module's floating parameters are moved off their initial values and its
``state_dict`` is loaded into the gpuad one. Inputs and targets come from the entry's
``input``/``input_fn``/``input_size`` (and ``target...``) under a fixed torch seed, in float64
(complex128). In train and then eval mode (eval on strided, non-contiguous copies) both run
on the same inputs; compared: the outputs and their dtypes, the gradients of a random weighted
sum of the outputs with respect to every input, floating target and parameter, the buffers
after the call, and the gradients of a random weighted sum of those first gradients (a
Hessian-vector product; torch's SDPA runs its math kernel, which has one; where torch has no
second derivative, gpuad's is checked by central differences of its first; a gpuad refusal
there is allowed where the entry says ``check_gradgrad=False``). In eval mode also: ``vmap``
of gpuad's ``vjp`` over a batch of cotangents against torch's gradients row by row (the
tables' ``check_batched_grad``) and gpuad's ``jvp`` against torch's reverse mode
(``<c, J v> = <J^T c, v>``, the tables' forward-AD check). The functional losses with
``reduction='none'`` also run with ``'sum'`` and ``'mean'`` in its place. Last, as torch's
tables do, both modules are cast with ``.float()`` and run on float32 inputs: the dtypes of the
outputs and gradients must be torch's (except where an integer target enters the arithmetic:
gpuad promotes as NumPy, to float64), the values agree to float32 precision. The criterion
tables' constructors read the loop variable ``reduction`` late (every one would build
``'sum'``); here each gets the reduction its name says.

``REFUSED`` lists the entries gpuad refuses, each with the clear error it must raise;
``TORCH_GRADIENT_WRONG`` those whose gradient is checked by central differences instead of
torch's; ``TORCH_GRADIENT_ROUNDED`` those where torch's float64 gradient is rounded more;
``RANDOM_IN_TRAIN`` the modules whose training forward draws random numbers (their values and
gradients are checked against their definition there). Run as a script for a summary:
``python tests/conformance/test_torch_common_nn.py [NAME...] [--seed=K...]``. On the CuPy
backend the float32, batched and forward-mode checks are left to the NumPy run.
"""

from __future__ import annotations

import re
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
cnn = pytest.importorskip("torch.testing._internal.common_nn")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import nn_fuzz  # noqa: E402
from nn_fuzz import CLEAR, _flat, differs  # noqa: E402
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.func as gfunc  # noqa: E402
import gpuad.nn as gnn  # noqa: E402
import gpuad.nn.functional as GF  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402

VALUE_RTOL = nn_fuzz.VALUE_RTOL
GRAD_RTOL = nn_fuzz.GRAD_RTOL
GRADGRAD_RTOL = 1e-7

# name -> (stage, error type, regex the message must match, why gpuad refuses). The stage is
# where the error must come: "build", "call", "grad" (first order) or "gradgrad".
REFUSED: dict[str, tuple[str, type, str, str]] = {
    "BCEWithLogitsLoss_legacy_enum": (
        "call", TypeError, "unexpected keyword argument 'reduce'",
        "torch's deprecated size_average/reduce arguments: gpuad takes reduction= alone"),
}

# name -> why torch's gradient is not that of its forward: there the values are compared
# with torch's and the input gradients with central differences of gpuad's forward
TORCH_GRADIENT_WRONG: dict[str, str] = {
    "CrossMapLRN2d": "torch's backward sums the ratios over channels c-3..c+1 for size 5 "
                     "(a window shifted by one from its forward's c-2..c+2)",
}

# name -> (gradient tolerance, why torch's float64 gradient is less accurate than GRAD_RTOL)
TORCH_GRADIENT_ROUNDED: dict[str, tuple[float, str]] = {
    "Hardsigmoid_no_batch_dim": (1e-7, "torch's backward multiplies by 1.0f / 6.0f, a float32 "
                                       "constant: relative error 3e-8 in float64"),
}

# module name -> check of one training call (its output is random)
RANDOM_IN_TRAIN = {"RReLU"}


# ------------------------------------------------------------------------------ the entries
def _entry_name(e: dict) -> str:
    if e.get("fullname"):
        return e["fullname"]
    return e["module_name"] + ("_" + e["desc"] if e.get("desc") else "")


def _reduction_variant(fn, reduction: str):
    """``fn`` (a function of the tables) with the string ``'none'`` it holds (as a constant,
    in a dict it closes over, in a function it calls) read as ``reduction``; None if it holds
    none."""
    found = []

    def swap(v):
        if isinstance(v, str) and v == "none":
            found.append(v)
            return reduction
        if isinstance(v, dict):
            return {k: swap(x) for k, x in v.items()}
        if isinstance(v, types.FunctionType):
            return rebuild(v)
        return v

    def rebuild(f):
        code = f.__code__.replace(co_consts=tuple(swap(c) for c in f.__code__.co_consts))
        closure = tuple(types.CellType(swap(c.cell_contents)) for c in f.__closure__ or ())
        return types.FunctionType(code, f.__globals__, f.__name__, f.__defaults__,
                                  closure or None)

    new = rebuild(fn)
    return new if found else None


def _wrapped(ctor):
    """(fn, kwargs) of a ``wrap_functional`` module class, else None."""
    if not (isinstance(ctor, type) and ctor.__name__ == "FunctionalModule"):
        return None
    fwd = ctor.forward
    cells = dict(zip(fwd.__code__.co_freevars, fwd.__closure__, strict=True))
    return cells["fn"].cell_contents, cells["kwargs"].cell_contents


def _reduction_variants(e: dict) -> list[tuple[str, dict]]:
    """The entry (a ``wrap_functional`` loss with ``reduction='none'``) with 'sum' and
    'mean'."""
    w = _wrapped(e.get("constructor"))
    if w is None or w[1] or _reduction_variant(w[0], "sum") is None:
        return []
    return [(f"{_entry_name(e)}__{red}",
             dict(e, constructor=cnn.wrap_functional(_reduction_variant(w[0], red)),
                  fullname=None))
            for red in ("sum", "mean")]


def _load_entries() -> dict[str, tuple[str, dict]]:
    """name -> (kind, entry): kind "module" or "criterion"."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = cnn.get_new_module_tests()
    out: dict[str, tuple[str, dict]] = {}

    def add(name, kind, e):
        assert name not in out, name
        out[name] = (kind, e)

    for e in cnn.module_tests + new:
        add(_entry_name(e), "module", e)
        for name, v in _reduction_variants(e):
            add(name, "module", v)
    for e in cnn.criterion_tests:
        name = _entry_name(e)
        red = name.rsplit("_", 1)[1]
        assert red in ("none", "mean", "sum"), name
        add(name, "criterion", dict(e, _reduction=red))
    return out


ENTRIES = _load_entries()


# --------------------------------------------------------------------- torch -> gpuad names
class _TorchNames:
    """What the tables' code reads from ``torch`` when it builds a gpuad module."""

    double = float64 = np.float64
    float = float32 = np.float32
    long = int64 = np.int64
    Size = tuple

    def __getattr__(self, name):
        raise AttributeError(f"the port reads torch.{name}, which has no gpuad name here")


_TORCH_DTYPES = {torch.float64: np.float64, torch.float32: np.float32,
                 torch.int64: np.int64, torch.complex128: np.complex128, torch.bool: np.bool_}


def _port_value(v):
    if isinstance(v, torch.Tensor):
        return ad.tensor(v.detach().numpy().copy())
    if isinstance(v, torch.dtype):
        return _TORCH_DTYPES[v]
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, types.FunctionType | types.BuiltinFunctionType):
        return _port_fn(v)
    if isinstance(v, dict):
        return {k: _port_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return type(v)(_port_value(x) for x in v)
    return v


def _port_fn(fn, reduction: str | None = None):
    """``fn`` read in gpuad: a torch.nn.functional function by its name, a lambda of the
    tables with ``nn``/``F``/``torch`` rebound and the tensors it closes over copied."""
    mod = getattr(fn, "__module__", "") or ""
    if mod.startswith("torch.nn.functional") or getattr(torch.nn.functional,
                                                        fn.__name__, None) is fn:
        return getattr(GF, fn.__name__)
    if not isinstance(fn, types.FunctionType) or not mod.startswith("torch.testing"):
        raise TypeError(f"no gpuad counterpart for {fn!r}")
    g = dict(fn.__globals__, F=GF, nn=gnn, torch=_TorchNames())
    if reduction is not None:
        g["reduction"] = reduction
    closure = tuple(types.CellType(_port_value(c.cell_contents))
                    for c in fn.__closure__ or ())
    defaults = None if fn.__defaults__ is None else _port_value(fn.__defaults__)
    new = types.FunctionType(fn.__code__, g, fn.__name__, defaults, closure or None)
    new.__kwdefaults__ = _port_value(fn.__kwdefaults__)
    return new


def _torch_ctor(kind: str, e: dict):
    ctor = e.get("constructor") or getattr(torch.nn, e["module_name"])
    if kind == "criterion":  # the reduction the entry's name says
        g = dict(ctor.__globals__, reduction=e["_reduction"])
        new = types.FunctionType(ctor.__code__, g, ctor.__name__, ctor.__defaults__,
                                 ctor.__closure__)
        new.__kwdefaults__ = ctor.__kwdefaults__
        ctor = new
    return ctor


class _Functional(gnn.Module):
    """gpuad's ``wrap_functional`` module."""

    def __init__(self, fn, kwargs):
        super().__init__()
        self.fn, self.kwargs = fn, kwargs

    def forward(self, *args):
        return self.fn(*args, **self.kwargs)


def _gpuad_module(kind: str, e: dict):
    args = _port_value(tuple(e.get("constructor_args", ())))
    if "constructor" not in e:
        return getattr(gnn, e["module_name"])(*args)
    w = _wrapped(e["constructor"])
    if w is not None:
        return _Functional(_port_fn(w[0]), _port_value(w[1]))
    return _port_fn(e["constructor"], e.get("_reduction"))(*args)


# ------------------------------------------------------------------------- inputs, targets
def _arg(e: dict, key: str, seed: int):
    """The entry's ``key`` ("input" or "target") as float64/complex128 torch tensors (a
    tensor or a tuple), as TestBase._get_arg builds it, under a fixed seed."""
    with torch.random.fork_rng(), cnn.set_default_dtype(torch.double):
        torch.manual_seed(seed)
        if key in e:
            v = e[key]
        elif key + "_fn" in e:
            v = e[key + "_fn"]()
        elif key + "_size" in e:
            v = torch.randn(e[key + "_size"])
        else:
            return None

    def fix(t):
        if isinstance(t, tuple | list):
            return tuple(fix(x) for x in t)
        t = t.detach().clone()
        if t.is_complex():
            return t.to(torch.complex128)
        return t.double() if t.is_floating_point() else t

    return fix(v)


def _strided(a):
    """A copy of ``a`` that is a non-contiguous view (of an array twice as long in its last
    axis)."""
    if a.ndim == 0:
        return a.copy()
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    big[..., ::2] = a
    return big[..., ::2]


def _differentiable(t) -> bool:
    return t.is_floating_point() or t.is_complex()


def _weighted_sum(outs, cs, lib):
    total = 0
    for o, c in zip(outs, cs, strict=True):
        if lib == "torch":
            total = total + (torch.real(o * torch.from_numpy(np.asarray(c)))).sum()
        else:
            total = total + gnp.sum(gnp.real(o * ad.tensor(c)))
    return total


def _rand_like(rng, shape, complex_):
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if complex_ else a


# ------------------------------------------------------------------------------- comparing
class Mismatch(AssertionError):
    pass


class Refusal(Exception):
    """gpuad raised a clear error at ``stage``."""

    def __init__(self, stage: str, err: BaseException):
        super().__init__(f"{stage}: {type(err).__name__}: {err}")
        self.stage, self.err = stage, err


class TorchRefuses(Exception):
    pass


def _g(stage, fn, *a, **k):
    try:
        return fn(*a, **k)
    except CLEAR as err:
        raise Refusal(stage, err) from err


def _host(x):
    """A NumPy copy of a torch tensor (dense), gpuad Tensor or backend array."""
    if isinstance(x, torch.Tensor):
        return (x.to_dense() if x.is_sparse else x).detach().numpy()
    if isinstance(x, ad.Tensor):
        x = x.numpy()
    return x.get() if hasattr(x, "get") else np.asarray(x)


def _check(what, g, t, rtol):
    d = differs(_host(g), _host(t), rtol)
    if d:
        raise Mismatch(f"{what}: {d}")


def _perturb(tm, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in tm.parameters():
            if p.dtype.is_floating_point:
                p.add_(0.3 * torch.randn(p.shape, generator=gen, dtype=p.dtype))


def _grads(lib, loss, wrt, create_graph=False):
    """Gradients of ``loss`` (None where unused); all None where ``loss`` is constant."""
    if lib == "torch":
        if not loss.requires_grad:
            return [None] * len(wrt)
        return list(torch.autograd.grad(loss, wrt, allow_unused=True,
                                        create_graph=create_graph))
    if not getattr(loss, "requires_grad", False):
        return [None] * len(wrt)
    return list(ad.autograd.grad(loss, wrt, allow_unused=True, create_graph=create_graph))


def _zeros_where_none(gs, shapes):
    """Host arrays of gradients (torch's ZeroTensors and None as zeros)."""
    return [np.zeros(s) if g is None or (isinstance(g, torch.Tensor) and g._is_zerotensor())
            else _host(g) for g, s in zip(gs, shapes, strict=True)]


def run_entry(name: str, seed: int = 0) -> str:
    """Compares one entry; returns "match" or a note of what was not compared. Raises
    Mismatch, Refusal (a clear gpuad error) or TorchRefuses."""
    kind, e = ENTRIES[name]
    with warnings.catch_warnings(), sdpa_kernel([SDPBackend.MATH]):
        warnings.simplefilter("ignore")
        return _run(name, kind, e, seed)


def _run(name, kind, e, seed):
    try:
        torch.manual_seed(seed)
        with cnn.set_default_dtype(torch.double):
            tm = _torch_ctor(kind, e)(*e.get("constructor_args", ()))
        tm = tm.double()
        _perturb(tm, seed)
    except Exception as err:  # noqa: BLE001
        raise TorchRefuses(f"constructor: {type(err).__name__}: {err}") from err
    gm = _g("build", _gpuad_module, kind, e)
    tsd = tm.state_dict()
    if set(tsd) != set(gm.state_dict()):
        raise Mismatch(f"state_dict keys: gpuad {sorted(gm.state_dict())}, torch {sorted(tsd)}")
    _g("build", gm.load_state_dict, {k: v.detach().numpy().copy() for k, v in tsd.items()})

    inp = _arg(e, "input", seed + 1)
    inputs = list(inp) if isinstance(inp, tuple) else [inp]
    if kind == "criterion":
        inputs.append(_arg(e, "target", seed + 2))
    module_name = e.get("module_name") or type(tm).__name__
    notes = []
    for train in (True, False):
        tm.train(train)
        gm.train(train)
        if train and module_name in RANDOM_IN_TRAIN:
            _random_train_call(tm, gm, inputs, seed)
            notes.append("train: random, checked by definition")
            continue
        note = _compare_call(name, e, tm, gm, inputs, seed, "train" if train else "eval")
        if note:
            notes.append(note)
    if _full_checks():
        _float32_call(tm, gm, inputs, seed)
    return "; ".join(notes) or "match"


def _full_checks() -> bool:
    """float32, batched gradients and forward mode on the NumPy backend (the CuPy half runs
    the rest, within the time one run of this file may take)."""
    return ad.get_backend().name == "numpy"


def _float32_call(tm, gm, inputs, seed):
    """After ``module.float()`` (as torch's tables do): the outputs' and gradients' dtypes
    and values to float32 precision."""
    tm.float()
    _g("float32 build", gm.float)
    single = [x.to(torch.complex64) if x.is_complex() else
              x.float() if x.is_floating_point() else x for x in inputs]
    tleaves = [x.clone().requires_grad_(_differentiable(x)) for x in single]
    gleaves = [ad.tensor(x.numpy().copy(), requires_grad=_differentiable(x)) for x in single]
    try:
        tout = tm(*tleaves)
    except Exception as err:  # noqa: BLE001
        raise TorchRefuses(f"float32 call: {type(err).__name__}: {err}") from err
    gout = _g("float32 call", gm, *gleaves)
    rng = np.random.default_rng(seed + 4)
    # gpuad promotes float32 with an integer array to float64, as NumPy (torch keeps float32)
    integer_input = any(not _differentiable(x) and x.dtype != torch.bool for x in single)
    touts, gouts, cs = [], [], []
    for i, (t, g) in enumerate(zip(_flat(tout), _flat(gout), strict=True)):
        if not isinstance(t, torch.Tensor):
            continue
        gd, td = _host(g).dtype, _host(t).dtype
        if gd != td and not (gd == np.float64 and td == np.float32 and integer_input):
            raise Mismatch(f"float32 output {i}: dtype {gd}, torch's {t.dtype}")
        _check(f"float32 output {i}", g, t, 1e-4)
        if t.requires_grad:
            touts.append(t)
            gouts.append(g)
            cs.append(_rand_like(rng, tuple(t.shape), t.is_complex()).astype(
                np.complex64 if t.is_complex() else np.float32))
    if not touts:
        return
    tparams, gparams = dict(tm.named_parameters()), dict(gm.named_parameters())
    names = sorted(tparams)
    idx = [i for i, x in enumerate(tleaves) if x.requires_grad]
    twrt = [tleaves[i] for i in idx] + [tparams[n] for n in names]
    gwrt = [gleaves[i] for i in idx] + [gparams[n] for n in names]
    tg = _grads("torch", _weighted_sum(touts, cs, "torch"), twrt)
    gg = _g("float32 grad", _grads, "gpuad", _weighted_sum(gouts, cs, "gpuad"), gwrt)
    for k, (a, b) in enumerate(zip(gg, tg, strict=True)):
        if a is None or b is None or b._is_zerotensor():
            continue
        if _host(a).dtype != _host(b).dtype:
            raise Mismatch(f"float32 gradient {k}: dtype {_host(a).dtype}, torch's {b.dtype}")
        _check(f"float32 gradient {k}", a, b, 1e-3)


def _compare_call(name, e, tm, gm, inputs, seed, mode):
    rng = np.random.default_rng(seed + 3)
    tleaves = [x.clone().requires_grad_(_differentiable(x)) for x in inputs]
    host = [x.numpy() for x in inputs]
    if mode == "eval":  # strided views: every other entry of a larger array
        host = [_strided(a) for a in host]
    gleaves = [ad.tensor(a, requires_grad=_differentiable(x)) for a, x in zip(host, inputs,
                                                                              strict=True)]
    try:
        tout = tm(*tleaves)
    except Exception as err:  # noqa: BLE001
        raise TorchRefuses(f"{mode} call: {type(err).__name__}: {err}") from err
    gout = _g(f"{mode} call", gm, *gleaves)
    tl, gl = _flat(tout), _flat(gout)
    if len(tl) != len(gl):
        raise Mismatch(f"{mode}: {len(gl)} outputs, torch {len(tl)}")
    touts, gouts, cs = [], [], []
    for i, (t, g) in enumerate(zip(tl, gl, strict=True)):
        _check(f"{mode} output {i}", g, t, VALUE_RTOL)
        if isinstance(t, torch.Tensor) and _host(g).dtype != _host(t).dtype:
            raise Mismatch(f"{mode} output {i}: dtype {_host(g).dtype}, torch's {t.dtype}")
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if not getattr(g, "requires_grad", False):
                raise Mismatch(f"{mode} output {i}: torch's requires grad, gpuad's not")
            touts.append(t)
            gouts.append(g)
            cs.append(_rand_like(rng, tuple(t.shape), t.is_complex()))
    for k, v in tm.state_dict().items():
        _check(f"{mode}: buffer {k} after the call", gm.state_dict()[k], v, VALUE_RTOL)
    if not touts:
        return ""
    tparams = dict(tm.named_parameters())
    gparams = dict(gm.named_parameters())
    if set(tparams) != set(gparams):
        raise Mismatch(f"parameters: gpuad {sorted(gparams)}, torch {sorted(tparams)}")
    pnames = sorted(tparams)
    idx = [i for i, x in enumerate(tleaves) if x.requires_grad]
    twrt = [tleaves[i] for i in idx] + [tparams[n] for n in pnames]
    gwrt = [gleaves[i] for i in idx] + [gparams[n] for n in pnames]
    labels = [f"input {i}" for i in idx] + [f"parameter {n}" for n in pnames]
    shapes = [tuple(t.shape) for t in twrt]
    if name in TORCH_GRADIENT_WRONG:
        return _fd_check(gm, gleaves, gouts, cs, mode, bool(pnames))
    grad_rtol = TORCH_GRADIENT_ROUNDED.get(name, (GRAD_RTOL,))[0]
    try:
        tg = _grads("torch", _weighted_sum(touts, cs, "torch"), twrt, create_graph=True)
    except RuntimeError as err:
        raise TorchRefuses(f"{mode} backward: {err}") from err
    gg = _g(f"{mode} grad", _grads, "gpuad", _weighted_sum(gouts, cs, "gpuad"), gwrt,
            create_graph=True)
    for lab, a, b in zip(labels, _zeros_where_none(gg, shapes),
                         _zeros_where_none(tg, shapes), strict=True):
        _check(f"{mode} gradient of {lab}", a, b, grad_rtol)
    notes = []
    if mode == "eval" and _full_checks():
        f, primals = _functional(tm, gm, tleaves, gleaves, idx, pnames)
        notes.append(_compare_batched_vjp(f, primals, twrt, touts, rng, grad_rtol))
        notes.append(_compare_jvp(f, primals, tg, cs, rng, grad_rtol))
    try:
        notes.append(_compare_second_order(tg, gg, twrt, gwrt, labels, shapes, rng, mode,
                                     lambda ds, ggg: _fd_second_order(
                                         gm, gleaves, idx, gwrt[len(idx):], cs, ds, ggg)))
    except Refusal as err:
        if e.get("check_gradgrad", True):
            raise
        notes.append(f"{mode}: gpuad's second order refuses ({str(err)[:120]})")
    return "; ".join(n for n in notes if n)


BATCH = 3


def _functional(tm, gm, tleaves, gleaves, idx, pnames):
    """gpuad's module as a function of its differentiable inputs and parameters (for
    gpuad.func), returning the outputs that require grad in torch, and its primals."""
    consts = [ad.tensor(_host(x)) if not x.requires_grad else None for x in gleaves]
    params = dict(gm.named_parameters())
    wanted = [bool(getattr(o, "requires_grad", False)) for o in _flat(tm(*tleaves))]

    def f(*args):
        xs = list(consts)
        for i, a in zip(idx, args[:len(idx)], strict=False):
            xs[i] = a
        ps = dict(params, **dict(zip(pnames, args[len(idx):], strict=True)))
        outs = _flat(gfunc.functional_call(gm, ps, tuple(xs)))
        return tuple(o for o, w in zip(outs, wanted, strict=True) if w)

    return f, [_host(gleaves[i]) for i in idx] + [_host(params[n]) for n in pnames]


def _compare_batched_vjp(f, primals, twrt, touts, rng, grad_rtol):
    """``vmap`` of gpuad's ``vjp`` over a batch of cotangents (torch's tables check batched
    gradients) against torch's gradients row by row."""
    cbs = [_rand_like(rng, (BATCH,) + tuple(t.shape), t.is_complex()) for t in touts]
    rows = [_grads("torch", _weighted_sum(touts, [c[k] for c in cbs], "torch"), twrt,
                   create_graph=True) for k in range(BATCH)]
    want = [np.stack([np.zeros(tuple(t.shape)) if r[j] is None else _host(r[j])
                      for r in rows]) for j, t in enumerate(twrt)]
    try:
        _, vjp_fn = gfunc.vjp(f, *primals)
        got = gfunc.vmap(vjp_fn)(tuple(ad.tensor(c) for c in cbs))
    except CLEAR as err:
        return f"eval: vmap of vjp refuses ({type(err).__name__}: {str(err)[:100]})"
    for j, (a, b) in enumerate(zip(got, want, strict=True)):
        _check(f"eval batched gradient {j}", a, b, grad_rtol)
    return ""


def _compare_jvp(f, primals, tg, cs, rng, grad_rtol):
    """gpuad's forward mode (``gpuad.func.jvp``) against torch's reverse mode:
    ``<c, J v>`` must equal ``<J^T c, v>`` for torch's gradient ``J^T c``."""
    vs = [_rand_like(rng, p.shape, np.iscomplexobj(p)) for p in primals]
    try:
        _, touts = gfunc.jvp(f, tuple(primals), tuple(vs))
    except CLEAR as err:
        return f"eval: jvp refuses ({type(err).__name__}: {str(err)[:100]})"
    fwd = sum(float(np.real(_host(t) * c).sum()) for t, c in zip(touts, cs, strict=True))
    rev = sum(float(np.real(np.conj(_host(g)) * v).sum()) for g, v in zip(tg, vs, strict=True)
              if g is not None and not g._is_zerotensor())
    scale = sum(float(np.abs(_host(g)).sum() * np.abs(v).max(initial=0))
                for g, v in zip(tg, vs, strict=True) if g is not None and not g._is_zerotensor())
    if not abs(fwd - rev) <= grad_rtol * max(1.0, scale):
        raise Mismatch(f"eval jvp: <c, J v> = {fwd!r}, torch's <J^T c, v> = {rev!r}")
    return ""


def _compare_second_order(tg, gg, twrt, gwrt, labels, shapes, rng, mode, fd):
    """Gradients of a random weighted sum of the first gradients ``tg``/``gg``; where torch
    has no second order, ``fd`` checks gpuad's by central differences."""
    ds = [_rand_like(rng, s, t.is_complex()) for s, t in zip(shapes, twrt, strict=True)]
    tsum = sum((torch.real(g * torch.from_numpy(d))).sum() for g, d in zip(tg, ds, strict=True)
               if g is not None and g.requires_grad)
    gsum = sum(gnp.sum(gnp.real(g * ad.tensor(d))) for g, d in zip(gg, ds, strict=True)
               if g is not None and getattr(g, "requires_grad", False))
    if not isinstance(tsum, torch.Tensor):
        tsum = torch.zeros(())
    try:
        tgg = _grads("torch", tsum, twrt)
    except RuntimeError as err:
        ggg = _g(f"{mode} gradgrad", _grads, "gpuad", gsum, gwrt)
        fd(ds, ggg)
        return (f"{mode}: second order by central differences in the inputs (torch: "
                f"{str(err)[:60]})")
    ggg = _g(f"{mode} gradgrad", _grads, "gpuad", gsum, gwrt)
    for lab, a, b in zip(labels, _zeros_where_none(ggg, shapes),
                         _zeros_where_none(tgg, shapes), strict=True):
        _check(f"{mode} second-order gradient of {lab}", a, b, GRADGRAD_RTOL)
    return ""


def _fd_check(gm, gleaves, gouts, cs, mode, has_params):
    """gpuad's input gradients against central differences of its forward."""
    if has_params:
        raise AssertionError("central differences here need a module without parameters")
    rng = np.random.default_rng(5)
    idx = [i for i, x in enumerate(gleaves) if x.requires_grad]
    gg = _g(f"{mode} grad", _grads, "gpuad", _weighted_sum(gouts, cs, "gpuad"),
            [gleaves[i] for i in idx])
    vs = [rng.standard_normal(tuple(gleaves[i].shape)) for i in idx]
    h = 1e-6

    def loss(sign):
        args = [_host(x).copy() for x in gleaves]
        for i, v in zip(idx, vs, strict=True):
            args[i] = args[i] + sign * h * v
        outs = _flat(gm(*[ad.tensor(a) for a in args]))
        return sum(float(np.real(_host(o) * c).sum()) for o, c in zip(outs, cs, strict=True))

    fd = (loss(1) - loss(-1)) / (2 * h)
    an = sum(float((_host(g) * v).sum()) for g, v in zip(gg, vs, strict=True))
    if not abs(an - fd) <= 1e-6 * max(1.0, abs(fd)):
        raise Mismatch(f"{mode} input gradients against central differences: {an!r}, {fd!r}")
    return f"{mode}: gradients by central differences (torch's are wrong here)"


def _fd_second_order(gm, gleaves, idx, params, cs, ds, ggg):
    """gpuad's second-order gradients ``ggg`` in the inputs against central differences of
    ``sum_k <d_k, first gradient k>`` along a random direction of the inputs."""
    rng = np.random.default_rng(6)
    vs = [rng.standard_normal(tuple(gleaves[i].shape)) for i in idx]
    h = 1e-5

    def s(sign):
        args = [ad.tensor(_host(x).copy(), requires_grad=x.requires_grad) for x in gleaves]
        for i, v in zip(idx, vs, strict=True):
            args[i] = ad.tensor(_host(gleaves[i]) + sign * h * v, requires_grad=True)
        outs = [o for o in _flat(gm(*args)) if getattr(o, "requires_grad", False)]
        gs = _grads("gpuad", _weighted_sum(outs, cs, "gpuad"), [args[i] for i in idx] + params)
        return sum(float(np.real(_host(g) * d).sum()) for g, d in zip(gs, ds, strict=True)
                   if g is not None)

    fd = (s(1) - s(-1)) / (2 * h)
    an = sum(float(np.real(_host(g) * v).sum()) for g, v in zip(ggg, vs, strict=True)
             if g is not None)
    if not abs(an - fd) <= 1e-5 * max(1.0, abs(fd)):
        raise Mismatch(f"second order in the inputs against central differences: {an!r}, {fd!r}")


def _random_train_call(tm, gm, inputs, seed):
    """A training call of RReLU: each negative entry scaled by a slope in [lower, upper],
    the gradient that slope."""
    (x,) = inputs
    xg = ad.tensor(x.numpy().copy(), requires_grad=True)
    out = _g("train call", gm, xg)
    o, xa = _host(out), x.numpy()
    slope = np.where(xa != 0, o / np.where(xa != 0, xa, 1.0), 1.0)
    neg = xa < 0
    if not (np.all(o[~neg] == xa[~neg]) and np.all(slope[neg] >= tm.lower - 1e-12)
            and np.all(slope[neg] <= tm.upper + 1e-12)):
        raise Mismatch("train output: not x where x >= 0 and lower..upper times x elsewhere")
    c = np.random.default_rng(seed).standard_normal(xa.shape)
    (g,) = _g("train grad", _grads, "gpuad", gnp.sum(out * ad.tensor(c)), [xg])
    np.testing.assert_allclose(_host(g), c * slope, rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_common_nn_entry_agrees_with_torch(backend, name):
    if name in REFUSED:
        stage, etype, pattern, _ = REFUSED[name]
        with pytest.raises(Refusal) as info:
            run_entry(name)
        assert info.value.stage.split()[-1] == stage, info.value
        assert isinstance(info.value.err, etype), info.value
        assert re.search(pattern, str(info.value.err)), info.value
        return
    try:
        run_entry(name)
    except TorchRefuses as err:
        pytest.skip(f"torch refuses: {err}")


def test_tables_name_entries():
    for table in (REFUSED, TORCH_GRADIENT_WRONG, TORCH_GRADIENT_ROUNDED):
        assert set(table) <= set(ENTRIES)


def main(argv):
    seeds = [int(a.split("=", 1)[1]) for a in argv if a.startswith("--seed=")] or [0]
    names = [a for a in argv if not a.startswith("--")]
    counts: dict[str, int] = {}
    for name, seed in ((n, sd) for sd in seeds for n in names or sorted(ENTRIES)):
        try:
            r = run_entry(name, seed)
            status = "match" if r == "match" else "match*"
            detail = "" if r == "match" else r
        except Mismatch as err:
            status, detail = "MISMATCH", str(err)
        except Refusal as err:
            status, detail = "refused", str(err)
        except TorchRefuses as err:
            status, detail = "torch-refuses", str(err)
        except Exception as err:  # noqa: BLE001
            import traceback

            status = "CRASH"
            detail = f"{type(err).__name__}: {err}\n{traceback.format_exc()[-3000:]}"
        counts[status] = counts.get(status, 0) + 1
        if status != "match":
            print(f"{status:13s} {name} (seed {seed}): {detail[-2500:]}", flush=True)
    print(counts)


if __name__ == "__main__":
    main(sys.argv[1:])
