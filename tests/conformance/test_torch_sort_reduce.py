"""PyTorch's sorting, selection and reduction tests (``test/test_sort_and_select.py`` and
``test/test_reductions.py``) ported to gpuad's torch-style Tensor methods and run against torch
on the same inputs: values, dtypes, shapes, indices and gradients.

Each case is one call ``f(L, x)`` written once for both libraries (``L`` is ``torch`` or
``gpuad``; ``x`` a tensor of either). The groups:

- ``SMOOTH``: float64 inputs without ties (nor zeros where a kink sits), every dim,
  ``keepdim``, dim tuples and ``correction=``; values and indices equal torch's, and the
  gradient of ``sum(c * out)`` (through every float output, the values of ``sort``, ``topk``,
  ``kthvalue``, ``median``, ``mode``, ``max(dim)``, ``cummax`` ... included) equals torch's
  and the float64 central difference along a random direction.
- ``SPECIAL``: NaN, ``inf``, ``-0.0`` and zeros where torch's result is defined (NaN sorts
  last and is the largest in ``topk``, ``max`` and ``kthvalue``; ``prod`` with one or two
  zeros; ``logsumexp`` over ``-inf``); values, indices and gradients as torch's.
- ``TIED``: repeated values, short rows and long ones with NaN (torch's vectorised paths).
  Where torch fixes which index is returned (stable ``sort``, the first extreme of
  ``max(dim)``, the last of ``cummax``, ``median``), the indices and the routed gradient
  equal torch's; ``amax``/``aminmax``/``max()``/``median()`` split the gradient among the ties
  as torch. ``topk``, ``kthvalue`` and ``mode`` leave the tied index open (``UNSPECIFIED``):
  the values equal torch's, the index points at an equal entry and the gradient reaches that
  entry alone.
- ``MEDIAN_CORNERS``, ``test_quantile_*`` and ``test_var_std_corrections_*``: torch's
  ``test_median_corner_cases``, ``test_quantile`` (every interpolation, dim, ``q``, NaN rows),
  ``test_quantile_backward``, ``test_quantile_error`` and the ``correction=`` tests (negative,
  past the number of entries, complex).
- ``DTYPES``: float32, int, uint8, bool and complex inputs: where torch computes a result,
  gpuad's has its values and dtype, or the difference is in ``DTYPE_KNOWN`` with the reason
  (``DTYPE_RAISES``: gpuad refuses clearly). ``HALF_OPS``: float16 rows of 3000 entries, which
  torch accumulates in float32.
- ``EDGES``: empty dims (identity values or errors), out-of-range, repeated and non-integer
  dims, ``k`` out of range or not an integer, 0-d tensors: where torch raises, gpuad raises
  too (``EDGE_KNOWN`` lists where gpuad gives a defined value instead, and why).
- ``unique``/``unique_consecutive`` (``return_inverse``, ``return_counts``, ``dim``),
  ``searchsorted``/``bucketize`` (``right``, ``side``, ``sorter``, ``out_int32``, batched
  boundaries) and ``isin``, whose results are constants.
- Second derivatives (Hessian-vector products) and forward mode (``gpuad.jvp`` against
  ``torch.func.jvp``) of the same cases.

``KNOWN`` lists where gpuad's result deliberately differs from torch's (torch's own result
being undefined, unspecified or inconsistent there, mostly derivatives of NaN or infinite
results); each entry is checked to differ still, so the list stays true. The file runs in
about a minute.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad

torch = pytest.importorskip("torch")

NAN, INF = np.nan, np.inf
# errors without a message worth the name: gpuad raising one of these is a failure
UNCLEAR = (ZeroDivisionError, KeyError, AttributeError, UnboundLocalError, NameError,
           AssertionError, RecursionError)
_NP = {torch.float64: np.float64, torch.float32: np.float32, torch.int64: np.int64,
       torch.int32: np.int32, torch.int16: np.int16, torch.int8: np.int8,
       torch.uint8: np.uint8, torch.bool: np.bool_, torch.complex128: np.complex128}


def _std_mean(L, x, **k):
    """torch.std_mean as docs/porting.md spells it in gpuad."""
    if L is torch:
        return torch.std_mean(x, **k)
    return x.std(**k), x.mean(dim=k.get("dim"), keepdim=k.get("keepdim", False))


def _var_mean(L, x, **k):
    if L is torch:
        return torch.var_mean(x, **k)
    return x.var(**k), x.mean(dim=k.get("dim"), keepdim=k.get("keepdim", False))


# ---- running one call in both libraries ------------------------------------------------


def _flat(o):
    if isinstance(o, tuple | list):
        return [y for x in o for y in _flat(x)]
    return [o]


def _host(x):
    if isinstance(x, torch.Tensor):
        return x.detach().resolve_conj().numpy()
    if isinstance(x, ad.Tensor):
        return np.asarray(to_numpy(x.detach()))
    return np.asarray(to_numpy(x))  # a backend array (gpuad.numpy's constants)


def _inputs(arrays, grad):
    tx, gx = [], []
    for a in arrays:
        g = grad and a.dtype.kind in "fc"
        tx.append(torch.tensor(a, requires_grad=g))
        gx.append(ad.tensor(ad.get_backend().xp.asarray(a.copy()), requires_grad=g))
    return tx, gx


def _call(fn, L, xs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(L, *xs), None
        except UNCLEAR:
            raise
        except Exception as e:  # noqa: BLE001
            return None, e


def _differs(g, t, rtol, signed=True):
    """None when gpuad's ``g`` equals torch's ``t`` (shape, dtype, NaN places, values, the
    sign of zeros when ``signed``), else what differs."""
    g, t = _host(g), _host(t)
    if g.shape != t.shape:
        return f"shape {g.shape}, torch's {t.shape}"
    if g.dtype != t.dtype:
        return f"dtype {g.dtype}, torch's {t.dtype}"
    if t.dtype.kind in "biu":
        return None if np.array_equal(g, t) else f"{g.tolist()}, torch's {t.tolist()}"
    if not np.allclose(g, t, rtol=rtol, atol=rtol, equal_nan=True):
        return f"{g.tolist()}, torch's {t.tolist()}"
    zeros = t == 0
    if signed and t.dtype.kind == "f" and not np.array_equal(np.signbit(g[zeros]),
                                                             np.signbit(t[zeros])):
        return f"signed zeros {g.tolist()}, torch's {t.tolist()}"
    return None


def _rtol(arrays, outs=()):
    """float32 inputs, or float32 results of float64 inputs (``dtype=``): float32's rounding."""
    single = (np.float32, np.complex64)
    if any(a.dtype in single for a in arrays) or any(
            isinstance(o, torch.Tensor) and _host(o).dtype in single for o in outs):
        return 1e-5
    return 1e-10


def _loss(L, outs, cs):
    total = 0
    for o, c in zip(outs, cs, strict=True):
        cc = torch.tensor(c) if L is torch else ad.tensor(ad.get_backend().xp.asarray(c))
        s = (o * cc).sum()
        total = total + (s.real if L is torch else ad.numpy.real(s))
    return total


def _float_outs(outs):
    return [o for o in outs if _host(o).dtype.kind in "fc"]


def _cotangents(outs, rng):
    cs = []
    for o in outs:
        h = _host(o)
        c = rng.standard_normal(h.shape)
        if h.dtype.kind == "c":
            c = c + 1j * rng.standard_normal(h.shape)
        cs.append(c.astype(h.dtype))
    return cs


def compare(fn, *arrays, grad=True, central=False, indices="exact", signed=True):
    """What differs between gpuad's ``fn`` and torch's on ``arrays`` (an empty list when
    nothing does): the outputs, an error in one library only, the gradients (also against a
    float64 central difference when ``central``). ``indices="unspecified"``: integer outputs
    may pick another of equal entries (checked to point at an entry equal to the value);
    ``signed=False``: a zero's sign is left open (which of tied 0.0 and -0.0 is returned)."""
    tx, gx = _inputs(arrays, grad)
    tout, terr = _call(fn, torch, tx)
    gout, gerr = _call(fn, ad, gx)
    if terr is not None or gerr is not None:
        if terr is None:
            return [f"gpuad raised {type(gerr).__name__}: {gerr}"]
        if gerr is None:
            return [f"torch raised ({terr}), gpuad gave {gout}"]
        return []
    tl, gl = _flat(tout), _flat(gout)
    if len(tl) != len(gl):
        return [f"{len(gl)} outputs, torch's {len(tl)}"]
    bad = []
    for i, (t, g) in enumerate(zip(tl, gl, strict=True)):
        if not isinstance(t, torch.Tensor):
            if not (t == g or (t != t and g != g)):
                bad.append(f"output {i}: {g!r}, torch's {t!r}")
            continue
        if indices == "unspecified" and _host(t).dtype.kind in "iu":
            d = _host(g).shape != _host(t).shape and "shape"
        else:
            d = _differs(g, t, _rtol(arrays, [t]), signed)
        if d:
            bad.append(f"output {i}: {d}")
    if indices == "unspecified":
        bad += _picks_equal_entries(tl, gl, arrays[0])
    if bad or not grad:
        return bad
    bad += _grads(fn, arrays, tx, gx, tl, gl, central, indices)
    return bad


def _picks_equal_entries(tl, gl, x):
    """(values, indices) pairs: gpuad's indices point at entries equal to its values."""
    if len(gl) != 2 or _host(gl[1]).dtype.kind not in "iu" or x.ndim == 0:
        return []
    v, i = _host(gl[0]), _host(gl[1])
    d = _find_dim(x, v, i)
    return [] if d is not None else ["an index does not point at an entry equal to its value"]


def _kept(i, x, d):
    """The indices with the reduced dim ``d`` kept (as ``keepdim=True`` gives them)."""
    return i if i.ndim == x.ndim else np.expand_dims(i, d)


def _find_dim(x, v, i):
    """The dim along which ``x`` at the indices ``i`` holds the values ``v``, or None."""
    for d in range(x.ndim):
        try:
            picked = np.take_along_axis(x, _kept(i, x, d), d).reshape(v.shape)
        except (ValueError, IndexError):
            continue
        if np.array_equal(picked, v, equal_nan=True):
            return d
    return None


def _grads(fn, arrays, tx, gx, tl, gl, central, indices):
    rng = np.random.default_rng(0)
    touts = [t for t in tl if isinstance(t, torch.Tensor) and t.requires_grad]
    if not touts:
        return []
    gouts = [g for g, t in zip(gl, tl, strict=True)
             if isinstance(t, torch.Tensor) and t.requires_grad]
    if not all(isinstance(g, ad.Tensor) and g.requires_grad for g in gouts):
        return ["gpuad's output is a constant, torch's requires grad"]
    cs = _cotangents(touts, rng)
    tp = [t for t in tx if t.requires_grad]
    gp = [g for g in gx if g.requires_grad]
    tg = torch.autograd.grad(_loss(torch, touts, cs), tp, allow_unused=True)
    try:
        gg = ad.autograd.grad(_loss(ad, gouts, cs), gp, allow_unused=True)
    except UNCLEAR:
        raise
    except Exception as e:  # noqa: BLE001
        return [f"gpuad's backward raised {type(e).__name__}: {e}"]
    bad = []
    for k, (a, b, x) in enumerate(zip(gg, tg, [t for t in tx if t.requires_grad], strict=True)):
        b = np.zeros(tuple(x.shape), _NP[x.dtype]) if b is None else _host(b)
        a = np.zeros(b.shape, b.dtype) if a is None else _host(a)
        if indices == "unspecified":
            b = _routed(gl, cs, arrays[k])
        d = _differs(a, b, 1e-8 if _rtol(arrays, tl) < 1e-8 else 1e-4, signed=False)
        if d:
            bad.append(f"gradient of input {k}: {d}")
    if central and not bad:
        bad += _central(fn, arrays, gg, cs, rng)
    return bad


def _routed(gl, cs, x):
    """The gradient when the values took the entries at gpuad's indices (``take_along_dim``):
    the cotangent added at those entries."""
    v, i = _host(gl[0]), _host(gl[1])
    d = _find_dim(x, v, i)
    g = np.zeros(x.shape, x.dtype)
    idx = _kept(i, x, d)
    c = cs[0].reshape(idx.shape)
    grid = list(np.indices(idx.shape, sparse=True))
    grid[d] = idx
    np.add.at(g, tuple(grid), c)
    return g


def _central(fn, arrays, gg, cs, rng, eps=1e-6):
    """``<grad, v>`` against ``(L(x + eps v) - L(x - eps v)) / (2 eps)``, float64."""
    vs = [rng.standard_normal(a.shape) if a.dtype.kind == "f" else None for a in arrays]

    def at(sign):
        xs = [ad.tensor(ad.get_backend().xp.asarray(a + sign * eps * v if v is not None else a))
              for a, v in zip(arrays, vs, strict=True)]
        outs = _float_outs(_flat(fn(ad, *xs)))
        return float(to_numpy(_loss(ad, outs, cs)))

    with ad.no_grad():
        fd = (at(1) - at(-1)) / (2 * eps)
    an = sum(float(np.sum(_host(g) * v)) for g, v in zip(gg, [v for v in vs if v is not None],
                                                         strict=True) if g is not None)
    if not np.isclose(an, fd, rtol=1e-6, atol=1e-7):
        return [f"directional derivative {an}, central difference {fd}"]
    return []


# ---- the cases ---------------------------------------------------------------------------


def _cases_over_dims(prefix, make, dims=(0, 1, -1), keep=(False, True)):
    return {f"{prefix}/dim={d},keepdim={k}": (lambda d, k: lambda L, x: make(L, x, d, k))(d, k)
            for d in dims for k in keep}


SMOOTH = {
    **_cases_over_dims("sort", lambda L, x, d, k: x.sort(dim=d, descending=k, stable=True)),
    **_cases_over_dims("argsort", lambda L, x, d, k: x.argsort(dim=d, descending=k, stable=True)),
    **_cases_over_dims("topk", lambda L, x, d, k: x.topk(2, dim=d, largest=k)),
    **_cases_over_dims("kthvalue", lambda L, x, d, k: x.kthvalue(2, dim=d, keepdim=k)),
    **_cases_over_dims("median", lambda L, x, d, k: x.median(dim=d, keepdim=k)),
    **_cases_over_dims("nanmedian", lambda L, x, d, k: x.nanmedian(dim=d, keepdim=k)),
    **_cases_over_dims("max", lambda L, x, d, k: x.max(dim=d, keepdim=k)),
    **_cases_over_dims("min", lambda L, x, d, k: x.min(dim=d, keepdim=k)),
    **_cases_over_dims("argmax", lambda L, x, d, k: x.argmax(dim=d, keepdim=k)),
    **_cases_over_dims("argmin", lambda L, x, d, k: x.argmin(dim=d, keepdim=k)),
    **_cases_over_dims("aminmax", lambda L, x, d, k: x.aminmax(dim=d, keepdim=k)),
    **_cases_over_dims("cummax", lambda L, x, d, k: x.cummax(dim=d), keep=(False,)),
    **_cases_over_dims("cummin", lambda L, x, d, k: x.cummin(dim=d), keep=(False,)),
    **_cases_over_dims("logcumsumexp", lambda L, x, d, k: x.logcumsumexp(dim=d), keep=(False,)),
    **_cases_over_dims("cumprod", lambda L, x, d, k: x.cumprod(dim=d), keep=(False,)),
    **_cases_over_dims("amax", lambda L, x, d, k: x.amax(dim=(d, 0) if d else d, keepdim=k)),
    **_cases_over_dims("amin", lambda L, x, d, k: x.amin(dim=(d, 0) if d else d, keepdim=k)),
    **_cases_over_dims("logsumexp", lambda L, x, d, k: x.logsumexp(dim=(0, d) if d else d,
                                                                    keepdim=k)),
    **_cases_over_dims("std", lambda L, x, d, k: x.std(dim=(d, 0) if d else d, keepdim=k)),
    **_cases_over_dims("var/correction=0", lambda L, x, d, k: x.var(dim=d, correction=0,
                                                                    keepdim=k)),
    **_cases_over_dims("var/correction=2", lambda L, x, d, k: x.var(dim=(0, d) if d else d,
                                                                    correction=2, keepdim=k)),
    **_cases_over_dims("std_mean", lambda L, x, d, k: _std_mean(L, x, dim=d, keepdim=k)),
    **_cases_over_dims("var_mean/unbiased=False", lambda L, x, d, k: _var_mean(
        L, x, dim=(d, 2) if d != 2 else d, unbiased=False, keepdim=k)),
    **_cases_over_dims("prod", lambda L, x, d, k: x.prod(dim=d, keepdim=k)),
    **_cases_over_dims("norm", lambda L, x, d, k: x.norm(dim=(d, 0) if d else d, keepdim=k)),
    **_cases_over_dims("norm/p=3", lambda L, x, d, k: x.norm(p=3, dim=d, keepdim=k)),
    **_cases_over_dims("norm/p=1", lambda L, x, d, k: x.norm(p=1, dim=d, keepdim=k)),
    **_cases_over_dims("norm/p=inf", lambda L, x, d, k: x.norm(p=INF, dim=d, keepdim=k)),
    **_cases_over_dims("norm/p=-inf", lambda L, x, d, k: x.norm(p=-INF, dim=(0, d) if d else d,
                                                                keepdim=k)),
    **_cases_over_dims("norm/p=0.5", lambda L, x, d, k: x.norm(p=0.5, dim=d, keepdim=k)),
    **_cases_over_dims("quantile", lambda L, x, d, k: x.quantile(0.3, dim=d, keepdim=k)),
    "msort": lambda L, x: x.msort(),
    "median()": lambda L, x: x.median(),
    "nanmedian()": lambda L, x: x.nanmedian(),
    "max()": lambda L, x: x.max(),
    "min()": lambda L, x: x.min(),
    "aminmax()": lambda L, x: x.aminmax(),
    "std(unbiased=False)": lambda L, x: x.std(unbiased=False),
    "var(dim=None, correction=3, keepdim=True)": lambda L, x: x.var(dim=None, correction=3,
                                                                    keepdim=True),
    "norm()": lambda L, x: x.norm(),
    "logsumexp(dim=(0, 1, 2))": lambda L, x: x.logsumexp(dim=(0, 1, 2)),
    "count_nonzero(dim=(0, 2))": lambda L, x: x.count_nonzero(dim=(0, 2)),
    "any(dim=1)": lambda L, x: x.any(dim=1),
    "all(dim=(0, 1))": lambda L, x: x.all(dim=(0, 1)),
    "transposed/sort": lambda L, x: x.transpose(0, 2).sort(dim=1, stable=True),
    "transposed/median": lambda L, x: x.transpose(0, 2)[:, ::2].median(dim=0),
    "transposed/cummax": lambda L, x: x.transpose(0, 2)[::2].cummax(dim=0),
    "positional/max(1, True)": lambda L, x: x.max(1, True),
    "positional/std(1, True, True)": lambda L, x: x.std(1, True, True),
    "positional/sort(0, True)": lambda L, x: x.sort(0, True),
    "positional/topk(3, 0, False, True)": lambda L, x: x.topk(3, 0, False, True),
    "positional/kthvalue(2, 0, True)": lambda L, x: x.kthvalue(2, 0, True),
    "positional/median(1, True)": lambda L, x: x.median(1, True),
}
_SMOOTH_X = np.random.default_rng(1).permutation(np.linspace(-2.2, 2.3, 60)).reshape(3, 4, 5)


@pytest.mark.parametrize("name", list(SMOOTH))
def test_smooth_inputs_match_torch_and_central_differences(backend, name):
    bad = compare(SMOOTH[name], _SMOOTH_X, central=True)
    assert not bad, f"{name}: " + "; ".join(bad)


A = np.array
_NANS = A([[3.0, NAN, 1.0, NAN, -0.0, 0.5], [NAN, 2.0, -INF, INF, 0.0, -1.0],
           [1.0, 2.0, 0.5, -3.0, INF, 4.0], [NAN, NAN, NAN, NAN, NAN, NAN]])
_NO_NAN_TIES = A([[3.0, NAN, 1.0, -0.5, -INF, 0.5], [-2.0, 2.0, -INF, INF, 0.25, -1.0],
                  [1.0, 2.5, 0.5, -3.0, INF, 4.0]])
_ZEROS = A([[2.0, 0.0, 3.0, -4.0], [0.0, 0.0, 5.0, 1.5], [1.0, -2.0, 3.0, 0.5],
            [0.0, 1.5, -1.0, 1.25]])
_MASKED = A([[-INF, -INF, -INF], [-INF, 0.5, 1.0], [INF, 1.0, 2.0], [0.25, -1.0, 3.0]])
_SIGNED_ZEROS = A([[0.0, -0.0, 1.0], [-0.0, 0.0, -1.0], [-0.0, 2.0, 0.0]])

# name -> (call, input[, options of compare]): results torch defines at NaN, infinities,
# zeros and -0.0
SPECIAL = {
    "sort/NaN last": (lambda L, x: x.sort(dim=1, stable=True), _NANS),
    "sort/descending NaN first": (lambda L, x: x.sort(dim=1, descending=True, stable=True),
                                  _NANS),
    "sort/dim 0 NaN": (lambda L, x: x.sort(dim=0, stable=True), _NANS),
    "argsort/NaN": (lambda L, x: x.argsort(dim=1, stable=True), _NANS),
    "argsort/descending NaN": (lambda L, x: x.argsort(dim=-1, descending=True, stable=True),
                               _NANS),
    "msort/NaN": (lambda L, x: x.msort(), _NANS),
    "topk/NaN is the largest": (lambda L, x: x.topk(2, dim=1), _NO_NAN_TIES),
    "topk/smallest with NaN": (lambda L, x: x.topk(3, dim=1, largest=False), _NO_NAN_TIES),
    "topk/infinities": (lambda L, x: x.topk(4, dim=1), A([[NAN, INF, 1e4, 0.0, -1e4, -INF]])),
    "topk/k=0": (lambda L, x: x.topk(0, dim=1), _NO_NAN_TIES),
    "kthvalue/NaN the largest": (lambda L, x: x.kthvalue(6, dim=1), _NO_NAN_TIES),
    "kthvalue/below NaN": (lambda L, x: x.kthvalue(3, dim=1, keepdim=True), _NO_NAN_TIES),
    "max/NaN propagates": (lambda L, x: x.max(dim=1), _NANS),
    "min/NaN propagates": (lambda L, x: x.min(dim=1, keepdim=True), _NANS),
    "argmax/NaN": (lambda L, x: x.argmax(dim=1), _NANS),
    "argmin/NaN": (lambda L, x: x.argmin(dim=0), _NANS),
    "median/NaN": (lambda L, x: x.median(dim=1), _NANS),
    "median()/NaN shares": (lambda L, x: x.median(), _NANS),
    "nanmedian/dim": (lambda L, x: x.nanmedian(dim=1), _NANS[:3]),
    "nanmedian/all NaN": (lambda L, x: x.nanmedian(dim=1), _NANS[3:], {"indices": "unspecified"}),
    "median/all NaN": (lambda L, x: x.median(dim=1), _NANS[3:], {"indices": "unspecified"}),
    "nanmedian()": (lambda L, x: x.nanmedian(), _NANS),
    "cummax/NaN": (lambda L, x: x.cummax(dim=1), _NANS),
    "cummin/NaN": (lambda L, x: x.cummin(dim=1), _NANS),
    "amax/NaN value": (lambda L, x: x.amax(dim=1), _NANS),
    "aminmax/NaN value": (lambda L, x: x.aminmax(dim=0), _NANS),
    "nansum": (lambda L, x: x.nansum(dim=1), _NANS[:3]),
    "nansum/keepdim dims": (lambda L, x: x.nansum(dim=(0, 1), keepdim=True), _NANS[:3]),
    "nanmean": (lambda L, x: x.nanmean(dim=1), _NANS[:3]),
    "nanmean/dim 0": (lambda L, x: x.nanmean(dim=0), _NANS[:3]),
    "prod/zeros": (lambda L, x: x.prod(dim=1), _ZEROS),
    "prod/zeros dim 0": (lambda L, x: x.prod(dim=0, keepdim=True), _ZEROS),
    "prod()/one zero": (lambda L, x: x.prod(), _ZEROS[2:]),
    "prod()/two zeros": (lambda L, x: x.prod(), _ZEROS),
    "cumprod/zeros": (lambda L, x: x.cumprod(dim=1), _ZEROS),
    "cumprod/zeros dim 0": (lambda L, x: x.cumprod(dim=0), _ZEROS),
    "prod/complex zeros": (lambda L, x: x.prod(dim=1), _ZEROS * (1 - 0.5j)),
    "prod()/complex one zero": (lambda L, x: x.prod(), _ZEROS[2:] * (0.3 + 1j)),
    "cumprod/complex zeros": (lambda L, x: x.cumprod(dim=1), _ZEROS * (1 + 2j)),
    "logsumexp/-inf": (lambda L, x: x.logsumexp(dim=1), _MASKED),
    "logsumexp/-inf keepdim": (lambda L, x: x.logsumexp(dim=0, keepdim=True), _MASKED[:2]),
    "logcumsumexp/-inf later": (lambda L, x: x.logcumsumexp(dim=1),
                                A([[0.5, -INF, 1.0, -INF], [0.25, -1.0, 3.0, 2.0]])),
    "norm/zero vector": (lambda L, x: x.norm(dim=1), A([[0.0, 0.0], [3.0, 4.0]])),
    "norm/p=3 zero vector": (lambda L, x: x.norm(p=3, dim=1), A([[0.0, 0.0], [3.0, -4.0]])),
    "sort/-0.0 keeps order": (lambda L, x: x.sort(dim=1, stable=True), _SIGNED_ZEROS),
    "sort/-0.0 descending": (lambda L, x: x.sort(dim=0, stable=True, descending=True),
                             _SIGNED_ZEROS),
    "max/-0.0 first": (lambda L, x: x.max(dim=1), _SIGNED_ZEROS),
    "amax/-0.0": (lambda L, x: x.amax(dim=1), _SIGNED_ZEROS, {"signed": False}),
    "amin/-0.0": (lambda L, x: x.amin(dim=0), _SIGNED_ZEROS, {"signed": False}),
    "cummax/-0.0": (lambda L, x: x.cummax(dim=1), _SIGNED_ZEROS),
    "median/-0.0": (lambda L, x: x.median(dim=1), _SIGNED_ZEROS),
    "count_nonzero/-0.0 NaN": (lambda L, x: x.count_nonzero(dim=1), _NANS),
    "any/NaN is true": (lambda L, x: x.any(dim=1), np.where(np.isnan(_NANS), NAN, 0.0)),
    "all/-0.0 is false": (lambda L, x: x.all(dim=0), _SIGNED_ZEROS),
    "any(dim=())": (lambda L, x: x.any(dim=()), _SIGNED_ZEROS),
    "all(dim=[])": (lambda L, x: x.all(dim=[]), _NANS),
}


@pytest.mark.parametrize("name", list(SPECIAL))
def test_special_values_match_torch(backend, name):
    fn, x, *opts = SPECIAL[name]
    bad = compare(fn, x, **(opts[0] if opts else {}))
    assert not bad, f"{name}: " + "; ".join(bad)


_TIES = A([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, 2.0, 2.0, 2.0, 2.0], [0.5, -1.0, 0.5, -1.0, 7.0],
           [4.0, 1.0, 1.0, 4.0, 0.5]])
_TIES3 = np.floor(np.random.default_rng(2).standard_normal((3, 4, 5)) * 1.5) / 2
# torch fixes the index among ties for these: indices and routed gradients equal torch's
TIED = {
    **_cases_over_dims("sort", lambda L, x, d, k: x.sort(dim=d, descending=k, stable=True)),
    **_cases_over_dims("argsort", lambda L, x, d, k: x.argsort(dim=d, descending=k,
                                                               stable=True)),
    **_cases_over_dims("max", lambda L, x, d, k: x.max(dim=d, keepdim=k)),
    **_cases_over_dims("min", lambda L, x, d, k: x.min(dim=d, keepdim=k)),
    **_cases_over_dims("argmax", lambda L, x, d, k: x.argmax(dim=d, keepdim=k)),
    **_cases_over_dims("median", lambda L, x, d, k: x.median(dim=d, keepdim=k)),
    **_cases_over_dims("nanmedian", lambda L, x, d, k: x.nanmedian(dim=d, keepdim=k)),
    **_cases_over_dims("cummax", lambda L, x, d, k: x.cummax(dim=d), keep=(False,)),
    **_cases_over_dims("cummin", lambda L, x, d, k: x.cummin(dim=d), keep=(False,)),
    **_cases_over_dims("amax/shared", lambda L, x, d, k: x.amax(dim=d, keepdim=k)),
    **_cases_over_dims("aminmax/shared", lambda L, x, d, k: x.aminmax(dim=d, keepdim=k)),
    "max()/shared": lambda L, x: x.max(),
    "min()/shared": lambda L, x: x.min(),
    "median()/shared": lambda L, x: x.median(),
    "amax(dim=(0, 1))/shared": lambda L, x: x.amax(dim=(0, 1)),
    "msort": lambda L, x: x.msort(),
}
# torch leaves the index among ties open here (its quickselect's choice; mode's index is
# the last occurrence on short rows, another one on long rows)
UNSPECIFIED = {
    **_cases_over_dims("mode", lambda L, x, d, k: x.mode(dim=d, keepdim=k)),
    **_cases_over_dims("topk", lambda L, x, d, k: x.topk(3, dim=d, largest=k)),
    **_cases_over_dims("kthvalue", lambda L, x, d, k: x.kthvalue(2, dim=d, keepdim=k)),
}


_TIES_LONG = np.random.default_rng(12).integers(0, 20, (3, 3000)).astype(np.float64)
_TIES_LONG[1, ::7] = NAN  # (long rows take torch's vectorised paths)


@pytest.mark.parametrize("data", ["2d", "3d", "long"])
@pytest.mark.parametrize("name", list(TIED))
def test_ties_pick_and_route_as_torch(backend, name, data):
    x = {"2d": _TIES, "3d": _TIES3, "long": _TIES_LONG}[data]
    if data == "long" and name in ("max()/shared", "min()/shared"):
        x = x[[0, 2]]  # (the gradient of a NaN max(): KNOWN)
    bad = compare(TIED[name], x)
    assert not bad, f"{name}: " + "; ".join(bad)


_LONG = np.random.default_rng(5).integers(0, 40, 3000).astype(np.float64)


@pytest.mark.parametrize("data", ["2d", "3d", "long"])
@pytest.mark.parametrize("name", list(UNSPECIFIED))
def test_ties_left_open_by_torch_route_to_the_returned_index(backend, name, data):
    if data == "long" and not name.endswith("dim=-1,keepdim=False"):
        return
    x = {"2d": _TIES, "3d": _TIES3, "long": _LONG}[data]
    bad = compare(UNSPECIFIED[name], x, indices="unspecified")
    assert not bad, f"{name}: " + "; ".join(bad)


# torch's test_median_corner_cases: 0-d and one-entry NaN tensors, NaN rows and columns
# (values only where torch's index among NaNs is open), strided integer tensors
_N22 = A([[NAN, NAN], [1.0, 2.0]])
MEDIAN_CORNERS = {
    **{f"{op}/{name}": (f, x, opts) for op in ("median", "nanmedian") for name, f, x, opts in (
        ("0-d NaN", lambda L, x, op=op: getattr(x, op)(), A(NAN), {}),
        ("0-d NaN dim 0", lambda L, x, op=op: getattr(x, op)(dim=0), A(NAN), {}),
        ("[NaN] keepdim", lambda L, x, op=op: getattr(x, op)(dim=0, keepdim=True), A([NAN]),
         {}),
        ("NaN row dim 0", lambda L, x, op=op: getattr(x, op)(dim=0), _N22,
         {"indices": "unspecified"}),
        ("NaN row dim 1", lambda L, x, op=op: getattr(x, op)(dim=1), _N22,
         {"indices": "unspecified"}),
        ("strided", lambda L, x, op=op: getattr(x, op)(), np.arange(12)[::2], {}),
        ("transposed", lambda L, x, op=op: getattr(x.reshape(3, 4).T, op)(), np.arange(12), {}),
        ("strided rows", lambda L, x, op=op: getattr(x.reshape(3, 4)[::2, ::2], op)(dim=-1),
         np.arange(12), {}),
        ("3-d", lambda L, x, op=op: getattr(x.reshape(2, 3, 2)[:, ::2, :], op)(dim=-1),
         np.arange(12.0), {}),
    )},
}


@pytest.mark.parametrize("name", list(MEDIAN_CORNERS))
def test_median_corner_cases_match_torch(backend, name):
    fn, x, opts = MEDIAN_CORNERS[name]
    bad = compare(fn, x, **opts)
    assert not bad, f"{name}: " + "; ".join(bad)


# torch's test_quantile: every interpolation along every dim (and flattened), q a number, a
# vector or empty, keepdim, random inputs with NaNs and NaN-only rows; gradients compared
# with "linear" where the result is finite (NaN results: KNOWN)
def _quantile_inputs():
    rng = np.random.default_rng(6)
    xs = [rng.standard_normal(s) for s in ((3,), (4, 5), (2, 3, 4))]
    for x in xs:
        x[rng.integers(0, 6, x.shape) == 0] = NAN
    return xs + [A(0.75), np.ones(1), np.ones((1, 2, 1)), A([NAN]), _N22,
                 A([[NAN, NAN], [NAN, 2.0]])]


_QS = {"0.5": 0.5, "[0, 1]": [0.0, 1.0], "4 random": [0.98, 0.57, 0.006, 0.77], "[]": []}


def _quantile_case(op, q, dim, keep, method):
    def f(L, x):
        qq = torch.tensor(q, dtype=torch.float64) if L is torch else ad.tensor(
            ad.get_backend().xp.asarray(np.asarray(q, np.float64)))
        return getattr(x, op)(qq, dim=dim, keepdim=keep, interpolation=method)
    return f


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
@pytest.mark.parametrize("qname", list(_QS))
def test_quantile_matches_torch(backend, op, qname):
    bad = []
    for i, x in enumerate(_quantile_inputs()):
        for method in ("linear", "lower", "higher", "midpoint", "nearest"):
            for dim in [None, *range(x.ndim)]:
                for keep in (False, True):
                    f = _quantile_case(op, _QS[qname], dim, keep, method)
                    nan = np.isnan(x)
                    finite = not nan.any() or (op == "nanquantile"
                                               and not nan.all(axis=dim).any())
                    b = compare(f, x, grad=method == "linear" and finite)
                    bad += [f"input {i} {method} dim={dim} keepdim={keep}: {m}" for m in b]
    assert not bad, "\n".join(bad[:10])


QUANTILE_GRADS = {  # torch's test_quantile_backward: (input, q, dim)
    "median of 3": ([1.0, 2, 3], 0.5, 0), "median of 4": ([1.0, 2, 3, 4], 0.5, 0),
    "unsorted": ([3.0, 1, 4, 2], 0.5, 0), "three q": ([1.0, 2, 3, 4], [0.25, 0.5, 0.75], 0),
    "q=0": ([[1.0, 2], [2, 1]], 0.0, 0), "q=1": ([[1.0, 2], [4, 3]], 1.0, 1),
    "ties": ([2.0, 2, 1, 2], [0.3, 0.5], 0),
}


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
@pytest.mark.parametrize("name", list(QUANTILE_GRADS))
def test_quantile_gradients_match_torch(backend, op, name):
    a, q, dim = QUANTILE_GRADS[name]
    bad = compare(_quantile_case(op, q, dim, False, "linear"), A(a))
    assert not bad, f"{name}: " + "; ".join(bad)


def test_nanquantile_skips_nan_in_the_gradient(backend):
    """torch's test_quantile_backward: ``nanquantile([1, nan, 2], 0.5)`` shares the gradient
    between 1 and 2."""
    x = ad.tensor(ad.get_backend().xp.asarray(A([1.0, NAN, 2.0])), requires_grad=True)
    x.nanquantile(0.5, dim=0).backward()
    np.testing.assert_array_equal(_host(x.grad), [0.5, 0.0, 0.5])


@pytest.mark.parametrize(("a", "q", "kw"), [
    ([], 0.5, {}), ([1.0], [[1.0]], {}), ([1], 0.5, {}), ([1.0], -1.0, {}), ([1.0], 1.1, {}),
    ([1.0], [1.0], {"interpolation": "random_mode"}), ([1.0], [0.5, 1.1, -1.0], {})])
def test_quantile_errors_as_torch(backend, a, q, kw):
    """torch's test_quantile_error: each raises in both."""
    with pytest.raises(RuntimeError):
        torch.quantile(torch.tensor(a), torch.tensor(q, dtype=torch.float64) if isinstance(
            q, list) else q, **kw)
    qq = ad.tensor(np.asarray(q, np.float64)) if isinstance(q, list) else q
    with pytest.raises((ValueError, TypeError)):
        ad.tensor(ad.get_backend().xp.asarray(np.asarray(a))).quantile(qq, **kw)


# torch's test_var_correction_vs_numpy / test_std_mean_correction: correction None, 0, 10,
# 30 (more than the entries: an infinite or NaN value) and negative, real and complex
_CORR = [(d, c, k) for d in (None, 0, 1) for c in (None, 0, 10, 30) for k in (False, True)] + [
    (None, -100, True), (1, -2, False)]
_VAR_X = {"float64": np.random.default_rng(7).standard_normal((5, 6)),
          "complex128": np.random.default_rng(8).standard_normal((5, 6))
          + 1j * np.random.default_rng(9).standard_normal((5, 6))}


@pytest.mark.parametrize("dt", list(_VAR_X))
@pytest.mark.parametrize(("dim", "corr", "keep"), _CORR)
def test_var_std_corrections_match_torch(backend, dt, dim, corr, keep):
    x = _VAR_X[dt]
    n = x.size if dim is None else x.shape[dim]
    grad = corr is None or corr < n - 1  # past n: an infinite value (its gradient: KNOWN)
    bad = []
    for name, f in (("var", lambda L, t: t.var(dim=dim, correction=corr, keepdim=keep)),
                    ("std", lambda L, t: t.std(dim=dim, correction=corr, keepdim=keep)),
                    ("std_mean", lambda L, t: _std_mean(L, t, dim=dim, correction=corr,
                                                        keepdim=keep)),
                    ("var_mean", lambda L, t: _var_mean(L, t, dim=dim, correction=corr,
                                                        keepdim=keep))):
        bad += [f"{name}: {b}" for b in compare(f, x, grad=grad)]
    assert not bad, "; ".join(bad)


# ---- dtypes ------------------------------------------------------------------------------

_rng = np.random.default_rng(4)
DTYPE_INPUTS = {
    "float32": _rng.standard_normal((3, 4)).astype(np.float32),
    "int64": _rng.integers(-3, 4, (3, 4)),
    "int32": _rng.integers(-3, 4, (3, 4)).astype(np.int32),
    "int8": _rng.integers(-3, 4, (3, 4)).astype(np.int8),
    "uint8": _rng.integers(0, 4, (3, 4)).astype(np.uint8),
    "bool": _rng.integers(0, 2, (3, 4)).astype(bool),
    "complex128": _rng.standard_normal((3, 4)) + 1j * _rng.standard_normal((3, 4)),
}
DTYPE_OPS = {
    "sum": lambda L, x: x.sum(dim=1), "sum()": lambda L, x: x.sum(), "prod": lambda L, x: x.prod(
        dim=1), "mean": lambda L, x: x.mean(dim=1), "nansum": lambda L, x: x.nansum(dim=1),
    "nanmean": lambda L, x: x.nanmean(dim=1), "amax": lambda L, x: x.amax(dim=1),
    "max(dim)": lambda L, x: x.max(dim=1), "max()": lambda L, x: x.max(),
    "argmax": lambda L, x: x.argmax(dim=1), "std": lambda L, x: x.std(dim=1),
    "var": lambda L, x: x.var(dim=1, correction=0), "logsumexp": lambda L, x: x.logsumexp(dim=1),
    "norm": lambda L, x: x.norm(dim=1), "norm/p=1": lambda L, x: x.norm(p=1, dim=1),
    "any": lambda L, x: x.any(dim=1), "all()": lambda L, x: x.all(),
    "count_nonzero": lambda L, x: x.count_nonzero(dim=1),
    "median": lambda L, x: x.median(dim=1), "median()": lambda L, x: x.median(),
    "nanmedian": lambda L, x: x.nanmedian(dim=1), "kthvalue": lambda L, x: x.kthvalue(1, dim=1),
    "mode": lambda L, x: x.mode(dim=1), "topk": lambda L, x: x.topk(1, dim=1),
    "sort": lambda L, x: x.sort(dim=1, stable=True),
    "sort/descending": lambda L, x: x.sort(dim=0, descending=True, stable=True),
    "argsort": lambda L, x: x.argsort(dim=1, stable=True), "msort": lambda L, x: x.msort(),
    "cummax": lambda L, x: x.cummax(dim=1), "cummin": lambda L, x: x.cummin(dim=0),
    "cumsum": lambda L, x: x.cumsum(dim=1), "cumprod": lambda L, x: x.cumprod(dim=1),
    "logcumsumexp": lambda L, x: x.logcumsumexp(dim=1), "aminmax": lambda L, x: x.aminmax(dim=1),
    "std_mean": lambda L, x: _std_mean(L, x, dim=1),
    "quantile": lambda L, x: x.quantile(0.3, dim=1),
    "sum(dtype=float64)": lambda L, x: x.sum(dim=1, dtype=torch.float64 if L is torch
                                             else np.float64),
    "mean(dtype=float32)": lambda L, x: x.mean(dim=1, dtype=torch.float32 if L is torch
                                               else np.float32),
    # torch dtypes passed to gpuad as they are
    "cumsum(dtype=torch.float64)": lambda L, x: x.cumsum(dim=1, dtype=torch.float64),
    "cumprod(dtype=torch.float64)": lambda L, x: x.cumprod(dim=0, dtype=torch.float64),
    "nansum(dtype=torch.float64)": lambda L, x: x.nansum(dim=1, dtype=torch.float64),
    "nanmean(dtype=torch.float64)": lambda L, x: x.nanmean(dim=1, dtype=torch.float64),
    "norm(dtype=torch.float64)": lambda L, x: x.norm(dim=1, dtype=torch.float64),
    "softmax(dtype=torch.float64)": lambda L, x: x.softmax(dim=1, dtype=torch.float64),
    "log_softmax(dtype=torch.float32)": lambda L, x: x.log_softmax(dim=0, dtype=torch.float32),
    "sum(dtype=torch.int64)": lambda L, x: x.sum(dim=0, dtype=torch.int64),
}
# (input dtype, op) -> why gpuad's result differs from torch's there
DTYPE_KNOWN = {
    ("uint8", "sum()"): "x.sum() without torch's keywords is NumPy's: an unsigned sum "
                        "accumulates in uint64 (torch: int64; with dim= gpuad's is int64 too); "
                        "the values agree",
    **{("uint8", op): "NumPy's any/all give bool (torch keeps uint8)"
       for op in ("any", "all()")},
    **{(dt, "logsumexp"): "an integer tensor's logsumexp is float64 (gpuad's default float; "
       "torch's default float32)" for dt in ("int64", "int32", "bool")},
    ("uint8", "logsumexp"): "NumPy's promotion of uint8 in a float function is float16 "
                            "(torch: float32)",
    ("int8", "logsumexp"): "NumPy's promotion of int8 in a float function is float16 "
                           "(torch: float32)",
    ("complex128", "cumprod(dtype=torch.float64)"): (
        "the real part's running product: torch's backward multiplies by products of the "
        "complex entries (an imaginary gradient for a cast that drops the imaginary part); "
        "gpuad's is the derivative, real"),
}
# (input dtype, op) -> why gpuad raises where torch computes
DTYPE_RAISES = {
    ("complex128", "logcumsumexp"): "complex logcumsumexp is not provided: it raises a "
                                    "TypeError saying to compute with the real and imaginary "
                                    "parts",
}


def _dtype_cases():
    return [(dt, op) for dt in DTYPE_INPUTS for op in DTYPE_OPS]


@pytest.mark.parametrize(("dt", "op"), _dtype_cases(), ids=[f"{d}-{o}" for d, o in
                                                            _dtype_cases()])
def test_dtypes_match_torch_where_torch_computes(backend, dt, op):
    """Where torch computes a result gpuad's has its values and dtype (gradients too for
    floating inputs); where torch refuses (mean of integers, sort of complex values, ...)
    gpuad may follow NumPy, which defines one, or raise a clear error."""
    x = DTYPE_INPUTS[dt]
    bad = compare(DTYPE_OPS[op], x, grad=x.dtype.kind in "fc",
                  indices="unspecified" if op in ("topk", "kthvalue") else "exact")
    bad = [b for b in bad if not b.startswith("torch raised")]
    if (dt, op) in DTYPE_RAISES:
        assert bad and bad[0].startswith("gpuad raised"), f"{dt} {op} no longer raises"
        return
    why = DTYPE_KNOWN.get((dt, op))
    if why:
        assert bad, f"{dt} {op} is listed in DTYPE_KNOWN ({why}) but now matches torch"
        return
    assert not bad, f"{dt} {op}: " + "; ".join(bad)


_HALF = (np.random.default_rng(10).random((3, 3000)) * 10).astype(np.float16)
HALF_OPS = {
    "sum": lambda L, x: x.sum(dim=1), "mean": lambda L, x: x.mean(dim=1),
    "mean()": lambda L, x: x.mean(), "nansum": lambda L, x: x.nansum(dim=1),
    "nanmean": lambda L, x: x.nanmean(dim=1), "std": lambda L, x: x.std(dim=1),
    "var": lambda L, x: x.var(dim=1), "std_mean": lambda L, x: _std_mean(L, x, dim=1),
    "logsumexp": lambda L, x: x.logsumexp(dim=1), "norm": lambda L, x: x.norm(dim=1),
    "norm/p=1": lambda L, x: x.norm(p=1, dim=1), "norm()": lambda L, x: x.norm(),
    "cumsum": lambda L, x: x.cumsum(dim=1), "cumprod": lambda L, x: (x / 50 + 0.99).cumprod(
        dim=1), "prod": lambda L, x: (x / 5 + 0.8).prod(dim=1),
    "logcumsumexp": lambda L, x: x.logcumsumexp(dim=1), "amax": lambda L, x: x.amax(dim=1),
    "sort": lambda L, x: x.sort(dim=1, stable=True), "median": lambda L, x: x.median(dim=1),
}


@pytest.mark.parametrize("name", list(HALF_OPS))
def test_half_rows_accumulate_as_torch(backend, name):
    """float16 rows of 3000 entries: torch accumulates sums, norms and running sums in
    float32 and returns float16; gpuad's results are within float16 rounding of torch's."""
    t = _flat(HALF_OPS[name](torch, torch.tensor(_HALF)))
    g = _flat(HALF_OPS[name](ad, ad.tensor(ad.get_backend().xp.asarray(_HALF))))
    for a, b in zip(g, t, strict=True):
        a, b = _host(a), _host(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        a, b = a.astype(np.float64), b.astype(np.float64)
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=1e-3)


# ---- empty dims, dims out of range, 0-d tensors ----------------------------------------------

_E = np.zeros((2, 0, 3))
_X23 = np.arange(6.0).reshape(2, 3) - 2.5
EDGES = {
    # reductions of an empty dim: an identity value, or an error where there is none
    **{f"empty/{n}": (f, _E) for n, f in {
        "sum": lambda L, x: x.sum(dim=1), "prod": lambda L, x: x.prod(dim=1),
        "mean": lambda L, x: x.mean(dim=1), "nansum": lambda L, x: x.nansum(dim=1),
        "nanmean": lambda L, x: x.nanmean(dim=1), "std": lambda L, x: x.std(dim=1),
        "var": lambda L, x: x.var(dim=1, correction=0), "logsumexp": lambda L, x: x.logsumexp(
            dim=1), "norm": lambda L, x: x.norm(dim=1), "norm/p=1": lambda L, x: x.norm(p=1,
                                                                                      dim=1),
        "any": lambda L, x: x.any(dim=1), "all": lambda L, x: x.all(dim=1),
        "count_nonzero": lambda L, x: x.count_nonzero(dim=1),
        "amax": lambda L, x: x.amax(dim=1), "amax/other dim": lambda L, x: x.amax(dim=2),
        "amin": lambda L, x: x.amin(dim=1), "max(dim)": lambda L, x: x.max(dim=1),
        "max(dim)/other": lambda L, x: x.max(dim=2), "max()": lambda L, x: x.max(),
        "argmax": lambda L, x: x.argmax(dim=1), "argmax()": lambda L, x: x.argmax(),
        "argmax/other": lambda L, x: x.argmax(dim=2), "aminmax": lambda L, x: x.aminmax(dim=1),
        "aminmax()": lambda L, x: x.aminmax(), "median": lambda L, x: x.median(dim=1),
        "median/other": lambda L, x: x.median(dim=2), "median()": lambda L, x: x.median(),
        "nanmedian()": lambda L, x: x.nanmedian(), "kthvalue": lambda L, x: x.kthvalue(1, dim=1),
        "kthvalue/other": lambda L, x: x.kthvalue(1, dim=2), "mode": lambda L, x: x.mode(dim=1),
        "mode/other": lambda L, x: x.mode(dim=2), "topk/k=0": lambda L, x: x.topk(0, dim=1),
        "topk/k=1": lambda L, x: x.topk(1, dim=1), "topk/other": lambda L, x: x.topk(1, dim=2),
        "sort": lambda L, x: x.sort(dim=1), "sort/other": lambda L, x: x.sort(dim=2),
        "argsort": lambda L, x: x.argsort(dim=1), "msort": lambda L, x: x.msort(),
        "cummax": lambda L, x: x.cummax(dim=1), "cummin/other": lambda L, x: x.cummin(dim=2),
        "logcumsumexp": lambda L, x: x.logcumsumexp(dim=1), "cumsum": lambda L, x: x.cumsum(
            dim=1), "cumprod": lambda L, x: x.cumprod(dim=1),
        "std_mean": lambda L, x: _std_mean(L, x, dim=1), "quantile": lambda L, x: x.quantile(
            0.5, dim=1), "norm/p=-inf": lambda L, x: x.norm(p=-INF, dim=1),
        "norm/p=inf": lambda L, x: x.norm(p=INF, dim=1),
    }.items()},
    # dims out of range, repeated, and k out of range: errors
    **{f"dims/{n}": (f, _X23) for n, f in {
        "sum/2": lambda L, x: x.sum(dim=2), "sum/(0, 2)": lambda L, x: x.sum(dim=(0, 2)),
        "sum/(0, 0)": lambda L, x: x.sum(dim=(0, 0)), "sum/(1, -1)": lambda L, x: x.sum(
            dim=(1, -1)), "mean/-3": lambda L, x: x.mean(dim=-3), "prod/2": lambda L, x: x.prod(
            dim=2), "amax/2": lambda L, x: x.amax(dim=2), "amax/(0, -2)": lambda L, x: x.amax(
            dim=(0, -2)), "max/2": lambda L, x: x.max(dim=2), "argmax/2": lambda L, x: x.argmax(
            dim=2), "std/2": lambda L, x: x.std(dim=2), "var/(1, 1)": lambda L, x: x.var(
            dim=(1, 1)), "logsumexp/2": lambda L, x: x.logsumexp(dim=2),
        "logsumexp/(1, -1)": lambda L, x: x.logsumexp(dim=(1, -1)),
        "nansum/2": lambda L, x: x.nansum(dim=2), "nanmean/-3": lambda L, x: x.nanmean(dim=-3),
        "norm/2": lambda L, x: x.norm(dim=2), "norm/(1, 1)": lambda L, x: x.norm(dim=(1, 1)),
        "any/2": lambda L, x: x.any(dim=2), "all/-3": lambda L, x: x.all(dim=-3),
        "count_nonzero/2": lambda L, x: x.count_nonzero(dim=2),
        "count_nonzero/(1, 1)": lambda L, x: x.count_nonzero(dim=(1, 1)),
        "median/2": lambda L, x: x.median(dim=2), "nanmedian/2": lambda L, x: x.nanmedian(dim=2),
        "kthvalue/2": lambda L, x: x.kthvalue(1, dim=2),
        "kthvalue/k=0": lambda L, x: x.kthvalue(0, dim=1),
        "kthvalue/k=4": lambda L, x: x.kthvalue(4, dim=1), "mode/2": lambda L, x: x.mode(dim=2),
        "topk/2": lambda L, x: x.topk(1, dim=2), "topk/k=4": lambda L, x: x.topk(4, dim=1),
        "topk/k=-1": lambda L, x: x.topk(-1, dim=1), "sort/2": lambda L, x: x.sort(dim=2),
        "argsort/2": lambda L, x: x.argsort(dim=2), "cummax/2": lambda L, x: x.cummax(dim=2),
        "cumsum/2": lambda L, x: x.cumsum(dim=2), "logcumsumexp/-3": lambda L, x: x.logcumsumexp(
            dim=-3), "aminmax/2": lambda L, x: x.aminmax(dim=2),
        "unique/2": lambda L, x: x.unique(dim=2),
        "unique_consecutive/2": lambda L, x: x.unique_consecutive(dim=2),
        "quantile/2": lambda L, x: x.quantile(0.5, dim=2),
        # dims and k that are not integers
        "sort/(0, 1)": lambda L, x: x.sort(dim=(0, 1)), "median/1.5": lambda L, x: x.median(
            dim=1.5), "sort/1.0": lambda L, x: x.sort(dim=1.0), "cummax/None": lambda L, x:
        x.cummax(dim=None), "kthvalue/k=1.5": lambda L, x: x.kthvalue(1.5, dim=1),
        "topk/k=1.0": lambda L, x: x.topk(1.0), "aminmax/(0, 1)": lambda L, x: x.aminmax(
            dim=(0, 1)), "mode/[0]": lambda L, x: x.mode(dim=[0]),
        # every dim: dim=() or []
        "sum/()": lambda L, x: x.sum(dim=()), "mean/[]": lambda L, x: x.mean(dim=[]),
        "amax/()": lambda L, x: x.amax(dim=()), "norm/()": lambda L, x: x.norm(dim=()),
        "count_nonzero/()": lambda L, x: x.count_nonzero(dim=()),
        "nansum/()": lambda L, x: x.nansum(dim=()), "argmax/keepdim": lambda L, x: x.argmax(
            keepdim=True), "amax/(-1, 0) keepdim": lambda L, x: x.amax(dim=(-1, 0), keepdim=True),
        "std/(0, 1) correction=2 keepdim": lambda L, x: x.std(dim=(0, 1), keepdim=True,
                                                              correction=2),
        "var/correction=2.5": lambda L, x: x.var(dim=1, correction=2.5),
    }.items()},
    # a 0-d tensor: dims 0 and -1 are its one entry
    **{f"0-d/{n}": (f, A(2.5)) for n, f in {
        "sort": lambda L, x: x.sort(dim=0), "argsort": lambda L, x: x.argsort(dim=-1),
        "topk": lambda L, x: x.topk(1), "topk/k=0": lambda L, x: x.topk(0),
        "topk/k=2": lambda L, x: x.topk(2), "kthvalue": lambda L, x: x.kthvalue(1),
        "kthvalue/k=2": lambda L, x: x.kthvalue(2), "median": lambda L, x: x.median(dim=0),
        "median()": lambda L, x: x.median(), "nanmedian": lambda L, x: x.nanmedian(dim=-1),
        "mode": lambda L, x: x.mode(), "max": lambda L, x: x.max(dim=0),
        "max/keepdim": lambda L, x: x.max(dim=0, keepdim=True), "max/1": lambda L, x: x.max(
            dim=1), "amax": lambda L, x: x.amax(dim=0), "argmax/keepdim": lambda L, x: x.argmax(
            dim=0, keepdim=True), "cummax": lambda L, x: x.cummax(dim=0),
        "cummin/1": lambda L, x: x.cummin(dim=1), "logcumsumexp": lambda L, x: x.logcumsumexp(
            dim=0), "logsumexp": lambda L, x: x.logsumexp(dim=0), "aminmax": lambda L, x: x.aminmax(
            dim=0), "aminmax/keepdim": lambda L, x: x.aminmax(dim=0, keepdim=True),
        "aminmax/1": lambda L, x: x.aminmax(dim=1), "std": lambda L, x: x.std(dim=0),
        "std/1": lambda L, x: x.std(dim=1), "var/correction=0": lambda L, x: x.var(
            dim=0, correction=0), "norm": lambda L, x: x.norm(dim=0), "nansum": lambda L, x:
        x.nansum(dim=0), "nanmean": lambda L, x: x.nanmean(dim=0), "count_nonzero":
        lambda L, x: x.count_nonzero(dim=0), "any": lambda L, x: x.any(dim=0),
        "all/keepdim": lambda L, x: x.all(dim=0, keepdim=True), "prod": lambda L, x: x.prod(
            dim=0), "sum/keepdim": lambda L, x: x.sum(dim=0, keepdim=True),
        "msort": lambda L, x: x.msort(), "quantile": lambda L, x: x.quantile(0.5, dim=0),
        "unique": lambda L, x: x.unique(return_inverse=True, return_counts=True),
        "unique/dim 0": lambda L, x: x.unique(dim=0),
        "unique_consecutive": lambda L, x: x.unique_consecutive(return_inverse=True,
                                                                 return_counts=True),
    }.items()},
}
# name -> why gpuad gives a value where torch raises
EDGE_KNOWN = {
    "empty/norm/p=inf": "NumPy's and gpuad's largest absolute value of no entries is 0 (all "
                        "absolute values are at least 0); torch refuses",
    "dims/logsumexp/()": "dim=() is every dim, as for sum; torch's logsumexp fails on it "
                         "(a shape error inside torch)",
}
_ERRORS = (IndexError, ValueError, TypeError, RuntimeError, NotImplementedError)


@pytest.mark.parametrize("name", list(EDGES))
def test_edges_match_torch_or_raise(backend, name):
    fn, x = EDGES[name]
    grad = not name.endswith(("unique", "unique_consecutive", "unique/dim 0"))
    bad = compare(fn, x, grad=grad)
    if name in EDGE_KNOWN:
        assert bad and bad[0].startswith("torch raised"), f"{name} now matches torch"
        return
    assert not bad, f"{name}: " + "; ".join(bad)
    tx, gx = _inputs([x], False)
    _, terr = _call(fn, torch, tx)
    _, gerr = _call(fn, ad, gx)
    if terr is not None:
        assert isinstance(gerr, _ERRORS), f"{name}: gpuad raised {type(gerr).__name__}: {gerr}"


# ---- unique, searchsorted, bucketize ---------------------------------------------------------

_U = A([[[1.0, 1.0], [0.0, 1.0], [2.0, 1.0], [0.0, 1.0]],
        [[1.0, 1.0], [0.0, 1.0], [2.0, 1.0], [0.0, 1.0]]])
_Y = A([[0, 1], [0, 1], [0, 1], [1, 2], [1, 2], [3, 4], [0, 1], [0, 1], [3, 4], [1, 2]])


def _uniq(method, **k):
    return lambda L, x: getattr(x, method)(return_inverse=True, return_counts=True, **k)


UNIQUE = {
    "unique/1-d": (_uniq("unique"), A([1, 2, 3, 2, 8, 5, 2, 3])),
    "unique/higher rank": (_uniq("unique"), A([1, 2, 3, 2, 8, 5, 2, 3]).reshape(2, 2, 2)),
    "unique/sorted=False": (lambda L, x: x.unique(sorted=False), A([3, 1, 2, 1])),
    "unique/bool": (_uniq("unique"), A([True, False, False, True, False])),
    "unique/float NaN -0.0": (_uniq("unique"), A([NAN, 1.0, -0.0, NAN, 0.0, INF, NAN, 1.0])),
    "unique/empty": (_uniq("unique"), np.zeros((0, 0, 3))),
    "unique/dim=0": (_uniq("unique", dim=0), _U),
    "unique/dim=1": (_uniq("unique", dim=1), _U),
    "unique/dim=2": (_uniq("unique", dim=2), _U),
    "unique/dim=1 bool": (_uniq("unique", dim=1), _U > 0),
    "unique/dim=0 uint8": (_uniq("unique", dim=0), _Y.astype(np.uint8)),
    "unique/dim=0 NaN rows": (_uniq("unique", dim=0),
                              A([[1.0, NAN], [1.0, NAN], [0.0, 1.0], [NAN, 2.0]])),
    "unique/dim=1 of (5, 0)": (_uniq("unique", dim=1), np.zeros((5, 0))),
    "unique/dim=1 of (2, 0, 3)": (_uniq("unique", dim=1), np.zeros((2, 0, 3))),
    "unique_consecutive/1-d": (_uniq("unique_consecutive"), A([1, 1, 2, 2, 3, 1, 1, 2])),
    "unique_consecutive/NaN": (_uniq("unique_consecutive"), A([NAN, NAN, 1.0, 1.0, -0.0, 0.0])),
    "unique_consecutive/dim=0": (_uniq("unique_consecutive", dim=0), _Y),
    "unique_consecutive/dim=0 bool": (_uniq("unique_consecutive", dim=0), _Y > 0),
    "unique_consecutive/dim=1": (_uniq("unique_consecutive", dim=1), _Y.T.copy()),
    "unique_consecutive/empty": (_uniq("unique_consecutive"), np.zeros(0)),
}


@pytest.mark.parametrize("name", list(UNIQUE))
def test_unique_matches_torch(backend, name):
    fn, x = UNIQUE[name]
    bad = compare(fn, x, grad=False)
    assert not bad, f"{name}: " + "; ".join(bad)


def test_unique_of_empty_slices_is_defined():
    """Where every slice along ``dim`` is empty torch refuses; gpuad's slices are all equal
    (one distinct slice, the count of them), or there are none."""
    for shape, dim, want in (((5, 0, 0), 1, ((5, 0, 0), [], [])),
                             ((5, 0, 5), 2, ((5, 0, 1), [0] * 5, [5]))):
        with pytest.raises(RuntimeError):
            torch.zeros(shape).unique(dim=dim)
        v, i, c = ad.tensor(np.zeros(shape)).unique(dim=dim, return_inverse=True,
                                                    return_counts=True)
        assert (v.shape, _host(i).tolist(), _host(c).tolist()) == want


def _ss(**k):
    return lambda L, s, v: L.searchsorted(s, v, **k) if L is torch else \
        ad.numpy.searchsorted(s, v, **k)


def _bk(**k):
    return lambda L, v, b: L.bucketize(v, b, **k) if L is torch else \
        ad.numpy.bucketize(v, b, **k)


def _isin(**k):
    return lambda L, a, b: L.isin(a, b, **k) if L is torch else ad.numpy.isin(a, b, **k)


_SEQ = A([-INF, 0.0, 1.0, 1.0, 2.0, INF])
_V = A([[NAN, 1.0, -INF], [INF, 0.5, 2.0], [-1.0, 1.0, 3.0]])
_SEQ2 = A([[0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 5.0], [-1.0, 0.0, 0.0, INF]])
_V2 = A([[1.0, 2.5], [1.0, 6.0], [0.0, NAN]])
SEARCH = {
    **{f"searchsorted/{k}": (_ss(**k), _SEQ, _V) for k in (
        {}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True},
        {"out_int32": True, "right": True})},
    **{f"bucketize/{k}": (_bk(**k), _V, _SEQ) for k in ({}, {"right": True},
                                                        {"out_int32": True})},
    "searchsorted/batched": (_ss(), _SEQ2, _V2),
    "searchsorted/batched right": (_ss(right=True), _SEQ2, _V2),
    "searchsorted/int": (_ss(), A([1, 3, 5, 7]), A([[0, 3], [7, 8]])),
    "searchsorted/1-d sequence 2-d values": (_ss(), A([1.0, 2.0, 3.0]), A([[1.0], [2.5]])),
    "searchsorted/float32": (_ss(), A([1.0, 2.0, 3.0], np.float32), A([1.5, 2.0], np.float32)),
    "searchsorted/empty sequence": (_ss(), np.zeros(0), A([1.0, 2.0])),
    "searchsorted/batch mismatch": (_ss(), _SEQ2, A([[1.0], [2.0]])),
    "searchsorted/float32 values": (_ss(), A([1.0, 2.0, 3.0]), A([1.5, 2.0], np.float32)),
    "searchsorted/int sequence": (_ss(), A([1, 2, 3]), A([1.5, 2.0])),
    "searchsorted/3-d batched": (
        _ss(right=True),
        np.sort(np.random.default_rng(0).integers(0, 5, (2, 3, 6)).astype(float), -1),
        np.random.default_rng(1).integers(0, 6, (2, 3, 4)).astype(float)),
    "searchsorted/0-d value": (_ss(), A([1.0, 2.0, 3.0]), A(2.0)),
    "searchsorted/0-d sequence": (_ss(), A(1.0), A([1.0])),
    "bucketize/int right int32": (_bk(right=True, out_int32=True), A([[1, 5], [3, 0]]),
                                  A([1, 3, 5])),
    "searchsorted/2-d sequence 1-d values": (_ss(), _SEQ2, A([1.0, 2.0])),
    "searchsorted/side and right disagree": (_ss(right=True, side="left"), _SEQ, _V),
    "bucketize/2-d boundaries": (_bk(), _V, _SEQ2),
    # torch's test_isin: NaN is in nothing, -0.0 is 0.0, integers against floats, invert
    **{f"isin/{name} {k}": (_isin(**k), a, b) for k in ({}, {"invert": True},
                                                        {"assume_unique": True})
       for name, a, b in (("floats", A([[1.0, 2.0, NAN], [0.0, -0.0, 5.0]]),
                           A([2.0, NAN, 0.0, 7.0])),
                          ("ints", A([[1, 2, 3], [4, 5, 6]]), A([2, 6, 9])),
                          ("empty test", A([1.0, 2.0]), np.zeros(0)),
                          ("ints in floats", A([1, 2, 3]), A([2.0, 3.5])),
                          ("0-d", A(2.0), A([1.0, 2.0])))},
}


@pytest.mark.parametrize("name", list(SEARCH))
def test_searchsorted_bucketize_match_torch(backend, name):
    fn, *xs = SEARCH[name]
    bad = compare(fn, *xs, grad=False)
    assert not bad, f"{name}: " + "; ".join(bad)


def test_searchsorted_sorter_matches_torch(backend):
    s, v = A([3.0, 1.0, 2.0, 0.0]), A([0.5, 2.0, 3.5])
    order = np.argsort(s)
    t = torch.searchsorted(torch.tensor(s), torch.tensor(v), sorter=torch.tensor(order))
    g = ad.numpy.searchsorted(ad.tensor(ad.get_backend().xp.asarray(s)),
                              ad.tensor(ad.get_backend().xp.asarray(v)),
                              sorter=ad.get_backend().xp.asarray(order))
    assert _differs(g, t, 0) is None


# ---- where gpuad deliberately differs ------------------------------------------------------

# name -> (call, input, why): each is checked to differ from torch still
KNOWN = {
    "quantile of NaN: gradient": (
        _quantile_case("quantile", 0.5, 0, False, "linear"), A([1.0, NAN, 2.0]),
        "the derivative of a NaN result: torch sends it to a NaN entry, gpuad's is zero "
        "(its quantile is NumPy's, a NaN where a NaN takes part)"),
    "var past the number of entries: gradient": (
        lambda L, x: x.var(dim=0, correction=10), A([1.0, 2.5, 4.0]),
        "the value is inf (divided by max(0, n - correction)) in both; torch's gradient "
        "divides by the negative n - correction (a finite gradient of an infinite value), "
        "gpuad's is NaN"),
    "logsumexp of two equal huge entries: gradient": (
        lambda L, x: x.logsumexp(dim=0), A([1e300, 1e300]),
        "torch's backward takes exp(x - out) with out rounded to x: each entry gets the whole "
        "gradient (summing to 2); gpuad's is the softmax (1/2 each)"),
    "logcumsumexp of huge entries: gradient": (
        lambda L, x: x.logcumsumexp(dim=0), A([-1e300, 0.0, 1e300]),
        "gpuad's is the derivative (each output's own entry gets its cotangent: the outputs "
        "are -1e300, 0, 1e300); torch's replaces those by +-1"),
    "max() of NaN: gradient": (
        lambda L, x: x.max(), A([1.0, NAN, 3.0, NAN]),
        "the derivative of a NaN result: torch's max()/min() send it to the NaN entries, its "
        "amax sends NaN everywhere; gpuad's max() is its amax (NaN everywhere, as JAX's)"),
    "nanmean of all NaN: gradient": (
        lambda L, x: x.nanmean(dim=1), A([[NAN, NAN], [1.0, 2.0]]),
        "a NaN result of no entries: torch's gradient is NaN, gpuad's zero (no entry takes "
        "part)"),
    "logcumsumexp at -inf: gradient": (
        lambda L, x: x.logcumsumexp(dim=0), A([-INF, 0.5, 1.0]),
        "torch's backward computes exp(-inf - (-inf)) = NaN for an entry equal to its running "
        "result; gpuad's is the limit (the first output is the entry itself: derivative 1)"),
    "mode with NaN": (
        lambda L, x: x.mode(dim=0), A([3.0, NAN, 1.0, NAN, -0.0, 0.0, INF, -INF, 1.0]),
        "torch's mode counts runs of its sort with NaN != NaN and returns an inconsistent "
        "value there (-inf here); gpuad's is the smallest most frequent non-NaN value"),
    "searchsorted with NaN boundaries": (
        _ss(), (A([-INF, 0.0, 1.0, 1.0, 2.0, NAN]), A([1.0, NAN])),
        "torch's binary search does not order NaN; gpuad's sequence sorts NaN last, as "
        "sort() does"),
    "unique(dim=) of slices holding NaN": (
        lambda L, x: x.unique(dim=1), A([[1.0, NAN, 0.0, NAN, 1.0], [2.0, 1.0, NAN, 0.0, 2.0]]),
        "torch sorts the slices with a lexicographic < that is no order once NaN takes part "
        "(its order of such slices is not defined); gpuad's is NumPy's, NaN last in each "
        "place"),
    "norm(p=1) at NaN: gradient": (
        lambda L, x: x.norm(p=1), A([1.0, NAN, -2.0]),
        "the derivative at a NaN entry: torch's sign(NaN) is 0, gpuad's NaN"),
}


@pytest.mark.parametrize("name", list(KNOWN))
def test_known_differences_still_differ(backend, name):
    fn, x, why = KNOWN[name]
    xs = x if isinstance(x, tuple) else (x,)
    assert compare(fn, *xs), f"{name} now matches torch; remove it from KNOWN ({why})"


def test_logcumsumexp_of_complex_raises_clearly(backend):
    """torch computes logcumsumexp of complex values; gpuad refuses and says what to do."""
    x = ad.tensor(ad.get_backend().xp.asarray(A([1.0 + 1j, 2.0])))
    with pytest.raises(TypeError, match="logcumsumexp: complex"):
        x.logcumsumexp(dim=0)


def test_second_derivatives_match_torch(backend):
    """Hessian-vector products through the values of sort, topk, kthvalue, median, mode,
    max(dim), cummax, logsumexp, logcumsumexp, std, norm and prod with zeros."""
    rng = np.random.default_rng(3)
    x = _SMOOTH_X[0]
    xz = x.copy()
    xz[0, 1] = xz[1, 0] = xz[1, 3] = 0.0
    calls = {
        "sort": lambda L, t: (t ** 3).sort(dim=1).values,
        "topk": lambda L, t: (t ** 3).topk(2, dim=1).values,
        "kthvalue": lambda L, t: (t ** 3).kthvalue(2, dim=0).values,
        "median": lambda L, t: (t ** 3).median(dim=1).values,
        "mode": lambda L, t: (t ** 3).mode(dim=1).values,
        "max": lambda L, t: (t ** 3).max(dim=1).values,
        "cummax": lambda L, t: (t ** 3).cummax(dim=1).values,
        "logsumexp": lambda L, t: t.logsumexp(dim=1),
        "logcumsumexp": lambda L, t: t.logcumsumexp(dim=1),
        "std": lambda L, t: t.std(dim=1),
        "var": lambda L, t: t.var(dim=(0, 1), correction=2),
        "norm": lambda L, t: t.norm(dim=1),
        "norm p=3": lambda L, t: t.norm(p=3, dim=1),
        "prod zeros": lambda L, t: (t + 0 * t).prod(dim=1),
        "cumprod zeros": lambda L, t: t.cumprod(dim=1),
    }
    bad = []
    for name, f in calls.items():
        a = xz if "zeros" in name else x
        v = rng.standard_normal(a.shape)
        tx = torch.tensor(a, requires_grad=True)
        tout = f(torch, tx)
        c = np.cos(np.arange(tout.numel())).reshape(tuple(tout.shape))
        tg, = torch.autograd.grad((tout * torch.tensor(c)).sum(), tx, create_graph=True)
        th, = torch.autograd.grad((tg * torch.tensor(v)).sum(), tx)
        gx = ad.tensor(ad.get_backend().xp.asarray(a), requires_grad=True)
        gout = f(ad, gx)
        cc = ad.tensor(ad.get_backend().xp.asarray(c))
        gg, = ad.autograd.grad((gout * cc).sum(), [gx], create_graph=True)
        gh, = ad.autograd.grad((gg * ad.tensor(ad.get_backend().xp.asarray(v))).sum(), [gx])
        if not np.allclose(_host(gh), _host(th), rtol=1e-7, atol=1e-9):
            bad.append(name)
    assert not bad, f"second derivatives differ from torch: {bad}"


# forward mode: torch's own jvp differs where the result is NaN and its index among NaNs open
_JVP_SKIP = {"median()/NaN shares": "torch's forward mode gives NaN where its backward shares "
                                    "the gradient among the NaNs (gpuad's jvp shares as its vjp)",
             "nanmedian/all NaN": "the index among NaNs is open"}


def _jvp_cases():
    cases = [(f"smooth/{n}", f, _SMOOTH_X) for n, f in SMOOTH.items()
             if "keepdim=True" not in n]  # (keepdim reshapes the same tangent)
    cases += [(f"special/{n}", f, x) for n, (f, x, *_) in SPECIAL.items()
              if x.dtype.kind == "f" and n not in _JVP_SKIP]
    return cases + [(f"tied/{n}", f, _TIES) for n, f in TIED.items()]


def test_forward_mode_matches_torch(backend):
    """gpuad.jvp of every case against torch.func.jvp along a random tangent (the float
    outputs; cases where torch has no forward rule are skipped)."""
    from torch import func as tfunc

    rng = np.random.default_rng(11)
    bad = []
    for name, fn, x in _jvp_cases():
        v = rng.standard_normal(x.shape)

        def tf(t, fn=fn):
            return tuple(o for o in _flat(fn(torch, t)) if o.dtype.is_floating_point)

        def gf(t, fn=fn):
            return tuple(o for o in _flat(fn(ad, t)) if _host(o).dtype.kind == "f")

        try:
            _, tt = tfunc.jvp(tf, (torch.tensor(x),), (torch.tensor(v),))
        except (RuntimeError, NotImplementedError):
            continue
        xp = ad.get_backend().xp
        _, gt = ad.jvp(gf, (ad.tensor(xp.asarray(x)),), (ad.tensor(xp.asarray(v)),))
        for a, b in zip(_flat(gt), _flat(tt), strict=True):
            d = _differs(a, b, 1e-8, signed=False)
            if d:
                bad.append(f"{name}: {d}")
    assert not bad, "\n".join(bad)
