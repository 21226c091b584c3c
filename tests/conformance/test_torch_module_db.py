"""PyTorch's module test database (``common_modules.module_db``) as an oracle for gpuad.nn.

For every ModuleInfo and every ModuleInput it makes, in evaluation and in training mode (the
inputs are asked for with ``training=`` and both modules are put in that mode): the torch
module is built from the ModuleInput's constructor arguments and cast to float64, its
parameters are moved off their initial values (norm layers start at ones and zeros, which
would hide a swapped weight and bias) and its state_dict is loaded into the gpuad.nn module of
the same name built from the same arguments (tensors become gpuad Tensors, torch dtypes NumPy
dtypes, a torch layer passed as an argument the gpuad layer of the same configuration, a torch
function the gpuad function of the same name). Both run forward on the same inputs; compared
are every output leaf (RNN hidden states and cell states, attention weights, pooling indices)
to 1e-10 relative to the largest entry, the gradients of ``sum(out_i * c_i)`` over the floating
outputs for fixed random cotangents ``c_i`` with respect to every floating input and every
parameter to 1e-8, and the state_dict after the call (running statistics,
``num_batches_tracked``). For the first ``SECOND`` inputs of each ModuleInfo and mode, the
gradients of ``sum(grad_i * w_i)`` (random ``w_i``) with respect to the same inputs and
parameters are compared too (1e-7), as torch's gradgradcheck would.

Lazy modules are called once on the input in both libraries (which fixes their sizes), then
the torch weights are moved and loaded as above, and the second call is compared.

Where torch's own gradient is not the derivative of its forward, ``GRAD_FIX`` says how the two
are brought to a comparable form (LPPool: elements no window reads; CTCLoss: torch's backward
assumes a log_softmax beneath ``log_probs``).

Random modules: the database holds no dropout layer and no RReLU; its Transformer layers are
built with ``dropout=0.0``, so training and evaluation are both deterministic;
FractionalMaxPool's inputs pass ``_random_samples`` to the constructor, and those samples (the
only randomness) are handed to gpuad's module as they are, so the windows are the same.

A pair (ModuleInfo, desc) where gpuad raises instead of computing is listed in ``REFUSED``
with the reason; each is checked to raise one of the clear error types (a KeyError or an
AttributeError names nothing and fails), and an entry whose inputs all match now is stale and
fails too; a refusal not listed fails. The table is empty: every ModuleInput of the database
is computed.

An input whose configuration repeats one already compared in the same mode (the same
constructor arguments and forward input shapes, only other random values; most of
LinearCrossEntropyLoss's 857 inputs differ only in torch's chunking ``options``) is left out
unless ``GPUAD_MODULE_DB_EVERY=1``. The file takes about 30 s of one core (the database
itself takes 8 s to import); ``python tests/conformance/test_torch_module_db.py`` prints the
counts per ModuleInfo.
"""

from __future__ import annotations

import os
import time
import traceback
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
try:
    from torch.testing._internal.common_modules import module_db
except Exception as e:  # noqa: BLE001  (torch's internals move between releases)
    pytest.skip(f"torch's module database is not importable: {e}", allow_module_level=True)

import gpuad as ad  # noqa: E402
import gpuad.nn as gnn  # noqa: E402
import gpuad.nn.functional as GF  # noqa: E402

VALUE_RTOL = 1e-10
GRAD_RTOL = 1e-8
# an input whose configuration (constructor arguments, shapes and dtypes of the forward
# inputs) repeats one already compared in the same mode differs only in its random values and
# is left out, unless GPUAD_MODULE_DB_EVERY=1
EVERY_INPUT = os.environ.get("GPUAD_MODULE_DB_EVERY") == "1"
# the first SECOND distinct inputs of each ModuleInfo and mode compare second-order gradients
# too (every input does: all agree, at three times the cost)
SECOND = 2
CLEAR = (ValueError, TypeError, NotImplementedError, IndexError, RuntimeError)

_TORCH2NP = {torch.float64: np.float64, torch.float32: np.float32, torch.float16: np.float16,
             torch.int64: np.int64, torch.int32: np.int32, torch.bool: np.bool_}

ALL = "*"  # every desc of a ModuleInfo

# (ModuleInfo name, desc) -> why gpuad raises there
REFUSED: dict[tuple[str, str], str] = {}


def _lp_pool_uncovered(tm, x, tgrad, ggrad):
    """torch's LPPool takes ``x ** p`` of every element before pooling, so an element no
    window reads (the tail past the last whole window) gets the gradient ``0 * nan`` where it
    is negative; the output does not depend on it, and gpuad's gradient there is 0. torch's
    NaNs at such elements become 0; every other entry is compared as it is."""
    probe = x.detach().abs().add(1.0).requires_grad_(True)
    (read,) = torch.autograd.grad(tm(probe).sum(), probe)
    return torch.where((read == 0) & tgrad.isnan(), torch.zeros_like(tgrad), tgrad), ggrad


def _through_log_softmax(tm, x, tgrad, ggrad):
    """torch's CTC backward returns ``exp(log_probs) * dL/dloss - posterior``, the gradient
    with respect to the logits beneath a ``log_softmax`` (its documented use), not the
    derivative in ``log_probs`` (``-posterior``, which gpuad gives and central differences
    confirm). Both are carried back through that ``log_softmax`` (``g - exp(log_probs) *
    sum_c g``), where they must agree."""
    p = torch.exp(x.detach())
    gg = torch.from_numpy(np.ascontiguousarray(ggrad))
    return (tgrad - p * tgrad.sum(-1, keepdim=True),
            (gg - p * gg.sum(-1, keepdim=True)).numpy())


# ModuleInfo name -> how the gradients (torch's, gpuad's) of the first input are adjusted
# before the comparison (torch's own gradient is not the derivative of its forward there)
GRAD_FIX = {"nn.LPPool1d": _lp_pool_uncovered, "nn.LPPool2d": _lp_pool_uncovered,
            "nn.LPPool3d": _lp_pool_uncovered, "nn.CTCLoss": _through_log_softmax}


class _Mismatch(Exception):
    pass


class _Refusal(Exception):
    pass


# ------------------------------------------------------------------------------ conversion
def _layer_config(m):
    """A torch Transformer layer passed as a constructor argument, as the gpuad layer of the
    same configuration."""
    kind = type(m).__name__
    if kind not in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        raise _Refusal(f"no conversion of a torch {kind} argument")
    act = m.activation
    act = getattr(GF, act.__name__) if not isinstance(act, torch.nn.Module) else \
        getattr(gnn, type(act).__name__)()
    return getattr(gnn, kind)(
        m.self_attn.embed_dim, m.self_attn.num_heads, m.linear1.out_features,
        dropout=m.dropout.p, activation=act, layer_norm_eps=m.norm1.eps,
        batch_first=m.self_attn.batch_first, norm_first=m.norm_first,
        bias=m.linear1.bias is not None)


def _to_gpuad(v, leaves=None, memo=None):
    """``v`` with torch tensors as gpuad Tensors (floating ones that require grad as leaves,
    appended to ``leaves`` with their torch twin; a tensor passed twice, as KLDivLoss's
    scalar samples pass one as input and target, is one leaf), dtypes as NumPy's, torch
    layers and functions as gpuad's."""
    memo = {} if memo is None else memo
    if isinstance(v, torch.Tensor):
        if id(v) in memo:
            return memo[id(v)]
        a = v.detach().numpy().copy()
        if leaves is not None and v.requires_grad and v.dtype.is_floating_point:
            t = ad.tensor(a, requires_grad=True)
            leaves.append((v, t))
        else:
            t = ad.tensor(a)
        memo[id(v)] = t
        return t
    if isinstance(v, torch.dtype):
        return _TORCH2NP[v]
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, torch.nn.Module):
        return _layer_config(v)
    if callable(v) and getattr(v, "__module__", "") in ("torch.nn.functional", "torch._C._nn",
                                                         None):
        return getattr(GF, v.__name__)
    if isinstance(v, list):
        return [_to_gpuad(x, leaves, memo) for x in v]
    if isinstance(v, tuple):
        return tuple(_to_gpuad(x, leaves, memo) for x in v)
    if isinstance(v, dict):
        return {k: _to_gpuad(x, leaves, memo) for k, x in v.items()}
    return v


def _flat(o):
    if isinstance(o, tuple | list):
        return [y for x in o for y in _flat(x)]
    return [o]


def _host(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy(force=True)
    if isinstance(x, ad.Tensor):
        return np.asarray(x.numpy())
    return np.asarray(x)


def _differs(g, t, rtol):
    """None when ``g`` equals torch's ``t`` (NaN/inf in the same places, finite entries within
    ``rtol`` of the largest), else what differs."""
    g, t = _host(g), _host(t)
    if g.shape != t.shape:
        return f"shape {g.shape}, torch's {t.shape}"
    if t.dtype.kind in "biu" or g.dtype.kind in "biu":
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


def _perturb(tm, gen):
    """Moves every floating parameter and running statistic off its initial value."""
    with torch.no_grad():
        for p in tm.parameters():
            if p.dtype.is_floating_point and p.numel():
                p.add_(0.3 * torch.randn(p.shape, generator=gen, dtype=p.dtype))
        for name, b in tm.named_buffers():
            if name.endswith("running_mean"):
                b.add_(0.3 * torch.randn(b.shape, generator=gen, dtype=b.dtype))
            elif name.endswith("running_var"):
                b.mul_(torch.rand(b.shape, generator=gen, dtype=b.dtype) + 0.5)


def _gpuad_call(what, fn, *a, **k):
    try:
        return fn(*a, **k)
    except CLEAR as e:
        raise _Refusal(f"{what}: {type(e).__name__}: {e}") from e
    except Exception as e:  # noqa: BLE001
        raise _Mismatch(f"{what}: unclear error {type(e).__name__}: {e}\n"
                        f"{traceback.format_exc()[-1500:]}") from e


# ------------------------------------------------------------------------------ one input
def run_input(info, mi, training: bool, seed: int, second_order: bool = False) -> None:
    """Raises _Mismatch where gpuad differs from torch, _Refusal where it raises clearly.
    ``second_order``: the gradients of ``sum(grad_i * w_i)`` (random ``w_i``) as well."""
    cls = getattr(gnn, info.module_cls.__name__, None)
    if cls is None:
        raise _Refusal(f"gpuad.nn has no {info.module_cls.__name__}")
    cargs, ckw = mi.constructor_input.args, mi.constructor_input.kwargs
    fargs, fkw = mi.forward_input.args, mi.forward_input.kwargs
    tm = info.module_cls(*cargs, **ckw).to(torch.float64)
    tm.train(training)
    gm = _gpuad_call("constructor", lambda: cls(*_to_gpuad(cargs), **_to_gpuad(ckw)))
    gm.train(training)
    if info.is_lazy:
        with torch.no_grad():
            tm(*fargs, **fkw)
        _gpuad_call("first (sizing) call", gm, *_to_gpuad(fargs), **_to_gpuad(fkw))
    _perturb(tm, torch.Generator().manual_seed(seed))
    tsd, gsd = tm.state_dict(), gm.state_dict()
    if set(tsd) != set(gsd):
        raise _Mismatch(f"state_dict keys: gpuad {sorted(gsd)}, torch {sorted(tsd)}")
    _gpuad_call("load_state_dict", gm.load_state_dict,
                {k: v.detach().numpy().copy() for k, v in tsd.items()})
    leaves: list = []
    memo: dict = {}
    gargs, gkw = _to_gpuad(fargs, leaves, memo), _to_gpuad(fkw, leaves, memo)
    tout = tm(*fargs, **fkw)
    gout = _gpuad_call("forward", gm, *gargs, **gkw)
    tl, gl = _flat(tout), _flat(gout)
    if len(tl) != len(gl):
        raise _Mismatch(f"{len(gl)} outputs, torch {len(tl)}")
    rng = np.random.default_rng(seed)
    tloss, gloss = 0, 0
    for i, (t, g) in enumerate(zip(tl, gl, strict=True)):
        if t is None or g is None:
            if (t is None) != (g is None):
                raise _Mismatch(f"output {i}: gpuad {type(g).__name__}, torch "
                                f"{type(t).__name__}")
            continue
        d = _differs(g, t, VALUE_RTOL)
        if d:
            raise _Mismatch(f"output {i} {tuple(t.shape)}: {d}")
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if not isinstance(g, ad.Tensor) or not g.requires_grad:
                raise _Mismatch(f"output {i}: torch's requires grad, gpuad's does not")
            c = rng.standard_normal(tuple(t.shape))
            tloss = tloss + (t * torch.from_numpy(c)).sum()
            gloss = gloss + (g * ad.tensor(c)).sum()
    tparams, gparams = dict(tm.named_parameters()), dict(gm.named_parameters())
    if set(tparams) != set(gparams):
        raise _Mismatch(f"parameters: gpuad {sorted(gparams)}, torch {sorted(tparams)}")
    if isinstance(tloss, torch.Tensor):
        names = sorted(tparams)
        labels = [f"input {i}" for i in range(len(leaves))] + [f"parameter {n}" for n in names]
        twrt = [t for t, _ in leaves] + [tparams[n] for n in names]
        gwrt = [g for _, g in leaves] + [gparams[n] for n in names]
        tg = torch.autograd.grad(tloss, twrt, allow_unused=True, create_graph=second_order)
        gg = _gpuad_call("backward", ad.autograd.grad, gloss, gwrt, allow_unused=True,
                         create_graph=second_order)
        if second_order:
            _compare_second_order(tg, gg, twrt, gwrt, labels, rng)
        for lab, a, b, ref in zip(labels, gg, tg,
                                  [t for t, _ in leaves] + [tparams[n] for n in names],
                                  strict=True):
            b = torch.zeros(tuple(ref.shape), dtype=ref.dtype) if b is None else b
            a = np.zeros(tuple(b.shape)) if a is None else _host(a)
            fix = GRAD_FIX.get(info.name)
            if fix is not None and leaves and ref is leaves[0][0]:
                b, a = fix(tm, ref, b, a)
            b = _host(b)
            d = _differs(a, b, GRAD_RTOL)
            if d:
                raise _Mismatch(f"gradient of {lab} {b.shape}: {d}")
    gsd = gm.state_dict()
    for k, v in tm.state_dict().items():
        d = _differs(gsd[k], v, VALUE_RTOL)
        if d:
            raise _Mismatch(f"state {k} after forward: {d}")


def _compare_second_order(tg, gg, twrt, gwrt, labels, rng) -> None:
    """The gradients of ``sum(grad_i * w_i)``; a first-order gradient that gpuad returns as a
    constant (torch's graph may still hold it) has a second-order gradient of zero."""
    tsum, gsum = 0, 0
    for t, g in zip(tg, gg, strict=True):
        if t is not None and t.requires_grad:
            w = rng.standard_normal(tuple(t.shape))
            tsum = tsum + (t * torch.from_numpy(w)).sum()
            if getattr(g, "requires_grad", False):
                gsum = gsum + (g * ad.tensor(w)).sum()
    if not isinstance(tsum, torch.Tensor):
        return  # linear in everything: nothing of second order
    try:
        t2 = torch.autograd.grad(tsum, twrt, allow_unused=True)
    except RuntimeError:
        return  # torch's double backward is not implemented there
    g2 = [None] * len(gwrt) if not isinstance(gsum, ad.Tensor) else _gpuad_call(
        "second-order backward", ad.autograd.grad, gsum, gwrt, allow_unused=True)
    for lab, a, b, ref, first in zip(labels, g2, t2, twrt, tg, strict=True):
        b = np.zeros(tuple(ref.shape)) if b is None else _host(b)
        a = np.zeros(b.shape) if a is None else _host(a)
        if first is not None and tuple(first.shape) == b.shape and b.dtype.kind == "f":
            # a slope where the first-order gradient is NaN is NaN in gpuad (docs/semantics.md:
            # KLDivLoss's log(t) + 1 at a negative target t; torch's second order there is 1/t)
            nan = np.isnan(_host(first.detach()))
            a, b = np.where(nan, np.nan, a), np.where(nan, np.nan, b)
        d = _differs(a, b, 10 * GRAD_RTOL)
        if d:
            raise _Mismatch(f"second-order gradient of {lab} {b.shape}: {d}")


def _inputs(info, training):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return info.module_inputs_func(info, device="cpu", dtype=torch.float64,
                                       requires_grad=True, training=training)


def _short(v):
    if isinstance(v, torch.Tensor):
        return f"T{tuple(v.shape)}"
    if isinstance(v, list | tuple):
        return type(v)(_short(x) for x in v)
    if isinstance(v, dict):
        return {k: _short(x) for k, x in v.items()}
    if isinstance(v, torch.nn.Module):
        return type(v).__name__
    return v


def run_info(info):
    """``{"match": n, "refused": [(desc, why)], "mismatch": [text]}`` over both modes."""
    out = {"match": 0, "refused": [], "mismatch": [], "repeat": 0}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # these tensors are tiny: threads only contend for the cores
    try:
        _run_modes(info, out)
    finally:
        torch.set_num_threads(threads)
    return out


def _signature(v):
    """What of a constructor or forward argument decides which code runs: tensors by shape,
    dtype and whether they require grad (integer tensors, indices and lengths that gpuad reads
    as int64, by shape only), torch layers by their options; torch's
    LinearCrossEntropyOptions (a chunking strategy for memory, whose value is the unchunked
    one gpuad computes) not at all."""
    if isinstance(v, torch.Tensor):
        kind = "int" if not v.dtype.is_floating_point and v.dtype != torch.bool else v.dtype
        return ("T", tuple(v.shape), str(kind), v.requires_grad)
    if isinstance(v, list | tuple):
        return (type(v).__name__,) + tuple(_signature(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _signature(x)) for k, x in v.items() if k != "options"))
    if isinstance(v, torch.nn.Module):  # its options, which its repr leaves out
        return tuple((type(m).__name__, tuple(n for n, _ in m.named_parameters(recurse=False)),
                      tuple(sorted(
            (k, repr(x)) for k, x in vars(m).items()
            if isinstance(x, bool | int | float | str) or callable(x) and not k.startswith("_"))))
            for m in v.modules())
    return repr(v)


def _run_modes(info, out):
    torch.manual_seed(0)  # the inputs are drawn from torch's global generator
    for training in (False, True):
        seen = set()
        for k, mi in enumerate(_inputs(info, training)):
            mode = "train" if training else "eval"
            sig = _signature((mi.constructor_input.args, mi.constructor_input.kwargs,
                              mi.forward_input.args, mi.forward_input.kwargs))
            if sig in seen and not EVERY_INPUT:
                out["repeat"] += 1
                continue
            seen.add(sig)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    run_input(info, mi, training, seed=k, second_order=len(seen) <= SECOND
                              and info.name not in GRAD_FIX)
            except _Refusal as e:
                out["refused"].append((mi.desc, str(e)))
            except _Mismatch as e:
                out["mismatch"].append(
                    f"[{mode} #{k} desc={mi.desc!r}] {e}\n    constructor "
                    f"{_short(mi.constructor_input.args)} {_short(mi.constructor_input.kwargs)}"
                    f" forward {_short(mi.forward_input.args)} "
                    f"{_short(mi.forward_input.kwargs)}")
            else:
                out["match"] += 1


def _refusal_reason(name, desc):
    return REFUSED.get((name, desc)) or REFUSED.get((name, ALL))


@pytest.mark.parametrize("info", module_db, ids=[m.name for m in module_db])
def test_module_db_inputs_match_torch(backend, info):
    if backend != "numpy":
        pytest.skip("compared on the host")
    r = run_info(info)
    unlisted = [f"{d!r}: {why}" for d, why in r["refused"]
                if _refusal_reason(info.name, d) is None]
    problems = r["mismatch"] + [f"refused, not in REFUSED: {u}" for u in unlisted]
    refused_descs = {d for d, _ in r["refused"]}
    stale = [k for k in REFUSED if k[0] == info.name
             and (k[1] not in refused_descs if k[1] != ALL else not refused_descs)]
    problems += [f"REFUSED entry {k} no longer refused" for k in stale]
    assert not problems, f"{info.name} differs from torch:\n" + "\n".join(problems)


# (ModuleInfo name, torch's error message pattern) of ModuleErrorInputs where gpuad computes
# where torch raises -> why that is no silent wrong value
COMPUTES_WHERE_TORCH_RAISES = {
    ("nn.MaxPool2d", r"non-empty 3D or 4D \(batch mode\) tensor expected for input"):
        "gpuad pools the last two axes of any (..., C, H, W) input (docs: max_pool2d); "
        "the 2-D input torch refuses here is refused by gpuad too, the 5-D one is pooled",
    ("nn.NLLLoss", r"expected scalar type \w+ but found \w+"):
        "torch refuses an empty batch with empty class weights over the weights' dtype; "
        "gpuad, one dtype throughout, gives the empty batch's loss",
}


def _error_inputs(info):
    if info.module_error_inputs_func is None:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(tr, e) for tr in (False, True) for e in info.module_error_inputs_func(
            info, device="cpu", dtype=torch.float64, requires_grad=False, training=tr)]


ERROR_INFOS = [m for m in module_db if m.module_error_inputs_func is not None]


@pytest.mark.parametrize("info", ERROR_INFOS, ids=[m.name for m in ERROR_INFOS])
def test_module_db_error_inputs_raise_in_gpuad_too(backend, info):
    """Every ModuleErrorInput (torch raises while building the module or calling it) raises a
    clear error in gpuad as well, or is listed in COMPUTES_WHERE_TORCH_RAISES."""
    if backend != "numpy":
        pytest.skip("compared on the host")
    from torch.testing._internal.common_modules import ModuleErrorEnum

    cls = getattr(gnn, info.module_cls.__name__)
    problems, used = [], set()
    for training, e in _error_inputs(info):
        mi = e.module_error_input
        key = (info.name, e.error_regex)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gm = cls(*_to_gpuad(mi.constructor_input.args),
                         **_to_gpuad(mi.constructor_input.kwargs))
                gm.train(training)
                if e.error_on == ModuleErrorEnum.CONSTRUCTION_ERROR:
                    raise _Mismatch("built")
                gm(*_to_gpuad(mi.forward_input.args), **_to_gpuad(mi.forward_input.kwargs))
            raise _Mismatch("computed")
        except CLEAR:
            continue
        except _Mismatch as m:
            if key in COMPUTES_WHERE_TORCH_RAISES:
                used.add(key)
                continue
            problems.append(f"{m} where torch raises {e.error_type.__name__} "
                            f"{e.error_regex!r} ({'train' if training else 'eval'})")
        except Exception as ex:  # noqa: BLE001
            problems.append(f"unclear {type(ex).__name__}: {ex} where torch raises "
                            f"{e.error_regex!r}")
    stale = [k for k in COMPUTES_WHERE_TORCH_RAISES if k[0] == info.name and k not in used]
    problems += [f"COMPUTES_WHERE_TORCH_RAISES entry {k} raises now" for k in stale]
    assert not problems, f"{info.name}:\n" + "\n".join(problems)


def test_refused_entries_name_module_infos():
    names = {m.name for m in module_db}
    assert {n for n, _ in REFUSED} <= names


if __name__ == "__main__":
    tot = {"match": 0, "refused": 0, "mismatch": 0, "repeat": 0}
    t0 = time.time()
    for info in module_db:
        t1 = time.time()
        r = run_info(info)
        tot["match"] += r["match"]
        tot["refused"] += len(r["refused"])
        tot["mismatch"] += len(r["mismatch"])
        tot["repeat"] += r["repeat"]
        print(f"{info.name:30s} match {r['match']:4d} repeat {r['repeat']:4d} "
              f"refused {len(r['refused']):4d} "
              f"mismatch {len(r['mismatch']):3d}  {time.time() - t1:.2f}s")
        for m in r["mismatch"][:3]:
            print("   MISMATCH", m[:600])
        for d, why in sorted(set(r["refused"]))[:3]:
            print("   REFUSED", repr(d), why[:300])
    print(tot, f"{time.time() - t0:.1f}s")
