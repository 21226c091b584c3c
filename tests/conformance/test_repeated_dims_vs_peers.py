"""Repeated and out-of-range dims against the peers: gpuad's torch-style Tensor methods
(``dim=``) raise exactly where torch raises and otherwise give torch's shapes and values;
``gpuad.numpy``'s functions (``axis=``) raise exactly where NumPy raises and otherwise give
NumPy's. Neither merges a repeated axis nor wraps an out-of-range one around."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402

X = np.random.default_rng(0).standard_normal((2, 1, 3))
DIMS = [(1, 1), (0, -3), (1, -2), (3,), (-4,), (0, 3), (0, 1, 2, 2)]
AXES = [3, -4, 5, (1, 1), (0, -3)]

TORCH_CALLS = {
    "sum": lambda t, d: t.sum(dim=d),
    "mean": lambda t, d: t.mean(dim=d),
    "amax": lambda t, d: t.amax(dim=d),
    "amin": lambda t, d: t.amin(dim=d),
    "std": lambda t, d: t.std(dim=d),
    "var": lambda t, d: t.var(dim=d),
    "logsumexp": lambda t, d: t.logsumexp(dim=d),
    "norm": lambda t, d: t.norm(dim=d),
    "nansum": lambda t, d: t.nansum(dim=d),
    "nanmean": lambda t, d: t.nanmean(dim=d),
    "permute": lambda t, d: t.permute(*d) if len(d) == 3 else t.permute(d + (2,) * (3 - len(d))),
    "flip": lambda t, d: t.flip(d),
    "flip_dims": lambda t, d: t.flip(dims=d),
    "squeeze": lambda t, d: t.squeeze(dim=d),
    "squeeze_pos": lambda t, d: t.squeeze(d),
    "roll": lambda t, d: t.roll(shifts=(1,) * len(d), dims=d),
    "movedim": lambda t, d: t.movedim(d, tuple(range(len(d)))),
    "all": lambda t, d: (t > 0).all(dim=d),
    "any": lambda t, d: (t > 0).any(dim=d),
    "count_nonzero": lambda t, d: t.count_nonzero(dim=d),
    "sum_keep": lambda t, d: t.sum(dim=d, keepdim=True),
    "mean_keep": lambda t, d: t.mean(dim=d, keepdim=True),
    "rot90": lambda t, d: t.rot90(1, d),
    "std_corr": lambda t, d: t.std(dim=d, correction=0),
    "diagonal": lambda t, d: t.diagonal(dim1=d[0], dim2=d[-1]),
    "transpose": lambda t, d: t.transpose(d[0], d[-1]),
    "swapaxes": lambda t, d: t.swapaxes(d[0], d[-1]),
    "flatten": lambda t, d: t.flatten(d[0], d[-1]),
    "max_dim": lambda t, d: (
        t.max(dim=d[0]).values if isinstance(t, torch.Tensor) else t.max(dim=d[0])[0]
    ),
    "argmax": lambda t, d: t.argmax(dim=d[0]),
    "cumsum": lambda t, d: t.cumsum(dim=d[0]),
    "softmax": lambda t, d: t.softmax(dim=d[0]),
    "select": lambda t, d: t.select(d[0], 0),
    "unbind": lambda t, d: t.unbind(d[0])[0],
    "narrow": lambda t, d: t.narrow(d[0], 0, 1),
    "split": lambda t, d: t.split(1, dim=d[0])[0],
    "unsqueeze": lambda t, d: t.unsqueeze(d[0]),
    "median": lambda t, d: (
        t.median(dim=d[0]).values if isinstance(t, torch.Tensor) else t.median(dim=d[0])[0]
    ),
    "sort": lambda t, d: (
        t.sort(dim=d[0]).values if isinstance(t, torch.Tensor) else t.sort(dim=d[0])[0]
    ),
    "gather": lambda t, d: t.gather(
        d[0], (t * 0).long() if isinstance(t, torch.Tensor) else (t * 0).astype(np.int64)
    ),
    "index_select": lambda t, d: t.index_select(
        d[0], torch.tensor([0]) if isinstance(t, torch.Tensor) else np.array([0])
    ),
}

NUMPY_CALLS = {
    "cumsum": lambda m, a, ax: m.cumsum(a, axis=ax),
    "cumprod": lambda m, a, ax: m.cumprod(a, axis=ax),
    "take": lambda m, a, ax: m.take(a, [0], axis=ax),
    "diff": lambda m, a, ax: m.diff(a, axis=ax),
    "trapezoid": lambda m, a, ax: m.trapezoid(a, axis=ax),
    "concatenate": lambda m, a, ax: m.concatenate([a, a], axis=ax),
    "stack": lambda m, a, ax: m.stack([a, a], axis=ax + 1 if ax >= 0 else ax - 1),
    "split": lambda m, a, ax: m.split(a, 1, axis=ax),
    "unstack": lambda m, a, ax: m.unstack(a, axis=ax),
    "expand_dims": lambda m, a, ax: m.expand_dims(a, ax + 1 if ax >= 0 else ax - 1),
    "moveaxis": lambda m, a, ax: m.moveaxis(a, ax, 0),
    "swapaxes": lambda m, a, ax: m.swapaxes(a, ax, 0),
    "flip": lambda m, a, ax: m.flip(a, ax),
    "roll": lambda m, a, ax: m.roll(a, 1, axis=ax),
    "sort": lambda m, a, ax: m.sort(a, axis=ax),
    "argsort": lambda m, a, ax: m.argsort(a, axis=ax),
    "argmax": lambda m, a, ax: m.argmax(a, axis=ax),
    "repeat": lambda m, a, ax: m.repeat(a, 2, axis=ax),
    "gradient": lambda m, a, ax: m.gradient(a, axis=ax),
    "median": lambda m, a, ax: m.median(a, axis=ax),
    "cumulative_sum": lambda m, a, ax: m.cumulative_sum(a, axis=ax),
    "apply_along_axis": lambda m, a, ax: m.apply_along_axis(m.sum, ax, a),
    "take_along_axis": lambda m, a, ax: m.take_along_axis(a, np.zeros((1, 1, 1), int), axis=ax),
    "delete": lambda m, a, ax: m.delete(a, 0, axis=ax),
    "insert": lambda m, a, ax: m.insert(a, 0, 0.0, axis=ax),
    "average": lambda m, a, ax: m.average(a, axis=ax),
    "ptp": lambda m, a, ax: m.ptp(a, axis=ax),
    "sum": lambda m, a, ax: m.sum(a, axis=ax),
    "std": lambda m, a, ax: m.std(a, axis=ax),
    "linalg.norm": lambda m, a, ax: m.linalg.norm(a, axis=ax),
    "fft.fft": lambda m, a, ax: m.fft.fft(a, axis=ax),
    "compress": lambda m, a, ax: m.compress([True], a, axis=ax),
    "partition": lambda m, a, ax: m.partition(a, 0, axis=ax),
    "nancumsum": lambda m, a, ax: m.nancumsum(a, axis=ax),
    "unique": lambda m, a, ax: m.unique(a, axis=ax),
    "cross": lambda m, a, ax: m.cross(a, a, axis=ax),
    "quantile": lambda m, a, ax: m.quantile(a, 0.5, axis=ax),
    "count_nonzero": lambda m, a, ax: m.count_nonzero(a, axis=ax),
    "any": lambda m, a, ax: m.any(a, axis=ax),
    "squeeze": lambda m, a, ax: m.squeeze(a, axis=ax),
    "array_split": lambda m, a, ax: m.array_split(a, 2, axis=ax),
    "append": lambda m, a, ax: m.append(a, a, axis=ax),
}


def _outcome(f, *args):
    try:
        r = f(*args)
    except Exception as e:  # noqa: BLE001 (raising is the outcome compared)
        return ("raise", type(e).__name__)
    r = r[0] if isinstance(r, list | tuple) else r
    if isinstance(r, torch.Tensor):
        r = r.detach().numpy()
    elif hasattr(r, "numpy"):
        r = r.numpy()
    return ("ok", np.asarray(r))


def _compare(a, b):
    if a[0] != b[0]:
        return f"{a[0]} vs {b[0]}"
    if a[0] == "ok" and (
        a[1].shape != b[1].shape
        or not np.allclose(a[1].astype(float), b[1].astype(float), equal_nan=True)
    ):
        return f"shapes {a[1].shape} vs {b[1].shape} or values differ"
    return None


def test_tensor_methods_take_repeated_and_out_of_range_dims_as_torch(backend):
    if backend != "numpy":
        pytest.skip("compared with torch's CPU tensors on the NumPy backend")
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, f in TORCH_CALLS.items():
            if f is None:
                continue
            for d in DIMS:
                why = _compare(_outcome(f, torch.tensor(X), d), _outcome(f, ad.tensor(X), d))
                if why:
                    bad.append(f"{name}{d}: torch vs gpuad: {why}")
    assert not bad, "\n".join(bad)


def test_gnp_functions_take_repeated_and_out_of_range_axes_as_numpy(backend):
    x = X + 2
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, f in NUMPY_CALLS.items():
            if f is None:
                continue
            for ax in AXES:
                why = _compare(
                    _outcome(f, np, x, ax), _outcome(f, gnp, ad.tensor(gnp.asarray(x)), ax)
                )
                if why:
                    bad.append(f"{name} axis={ax}: numpy vs gpuad: {why}")
    assert not bad, "\n".join(bad)
