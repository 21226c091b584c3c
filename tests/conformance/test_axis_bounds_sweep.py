"""Out-of-range and repeated axes, swept over every public function that takes one.

Each public function of ``gpuad.numpy`` (and its ``linalg`` and ``fft``) whose signature
names an axis parameter is called with an axis one past either end and, where a tuple is
allowed, with an axis named twice; NumPy's function of the same name gets the same call.
Where NumPy raises, gpuad must raise; where NumPy accepts, the values must match. The
torch-style Tensor methods taking ``dim=`` are swept against torch and the ``gpuad.lax``
functions taking axes or dimensions against ``jax.lax`` in the same way. An axis wrapped
around (``axis % ndim``) or dropped silently fails here."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

torch = None  # imported by the torch sweep (skipped without torch)

AXIS_PARAMS = ("axis", "axes", "axis1", "axis2", "source", "destination", "dim")
X = np.random.default_rng(0).standard_normal((2, 3, 4)) + 3.0
BAD_ONE = [3, -4, 7]
BAD_TUPLE = [(0, -1), (0, 0), (0, -3), (3,), (-4, 0), (1, 2, 1)]  # (0, -1): a tuple at all


def _host(v):
    if isinstance(v, list | tuple):
        return [_host(a) for a in v]
    if hasattr(v, "numpy") and not isinstance(v, np.ndarray):
        v = v.numpy()
    if hasattr(v, "get"):
        v = v.get()
    return np.asarray(v)


def _outcome(f):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f()
    except Exception as e:  # noqa: BLE001 (raising is the outcome compared)
        return ("raise", f"{type(e).__name__}: {e}"[:160])
    try:
        return ("ok", _host(r))
    except Exception:  # noqa: BLE001 (a result with no array form: compared by kind only)
        return ("ok", None)


def _differ(a, b) -> str | None:
    if a[0] == "ok" and b[0] == "raise" and b[1].startswith("NotImplementedError"):
        return None  # a documented limitation (a clear error), not a wrong value
    if a[0] != b[0]:
        return f"peer {a[0]}s ({a[1] if a[0] == 'raise' else ''}), gpuad {b[0]}s " \
               f"({b[1] if b[0] == 'raise' else ''})"
    if a[0] == "raise" or a[1] is None or b[1] is None:
        return None
    return _values_differ(a[1], b[1])


def _values_differ(p, q) -> str | None:
    if isinstance(p, list) != isinstance(q, list):
        return "result structure differs"
    if isinstance(p, list):
        if len(p) != len(q):
            return f"{len(p)} vs {len(q)} results"
        return next((w for w in map(_values_differ, p, q) if w), None)
    if p.shape != q.shape:
        return f"shape {p.shape} vs {q.shape}"
    if p.dtype.kind in "biufc" and q.dtype.kind in "biufc" and not np.allclose(
            p.astype(complex), q.astype(complex), equal_nan=True, rtol=1e-6, atol=1e-9):
        return "values differ"
    return None


# ---------------------------------------------------------------- gpuad.numpy vs NumPy
# Per function: how to call it given the module (numpy or gpuad.numpy), the array and the
# axis keywords under test; functions not listed are called as ``f(x, **kw)``.
I = np.zeros((1, 1, 1), dtype=np.int64)
NUMPY_BUILDERS = {
    "append": lambda m, x, kw: m.append(x, x, **kw),
    "apply_along_axis": lambda m, x, kw: m.apply_along_axis(np.sum, kw["axis"], x),
    "apply_over_axes": lambda m, x, kw: m.apply_over_axes(m.sum, x, kw["axes"]),
    "argpartition": lambda m, x, kw: m.argpartition(x, 0, **kw),
    "partition": lambda m, x, kw: m.partition(x, 0, **kw),
    "array_split": lambda m, x, kw: m.array_split(x, 2, **kw),
    "split": lambda m, x, kw: m.split(x, 1, **kw),
    "compress": lambda m, x, kw: m.compress([True, False], x, **kw),
    "cross": lambda m, x, kw: m.cross(x[..., :3], x[..., 1:], **kw),
    "delete": lambda m, x, kw: m.delete(x, 0, **kw),
    "expand_dims": lambda m, x, kw: m.expand_dims(x, **kw),
    "geomspace": lambda m, x, kw: m.geomspace(x, x + 1.0, 3, **kw),
    "linspace": lambda m, x, kw: m.linspace(x, x + 1.0, 3, **kw),
    "logspace": lambda m, x, kw: m.logspace(x, x + 1.0, 3, **kw),
    "insert": lambda m, x, kw: m.insert(x, 0, 0.5, **kw),
    "moveaxis": lambda m, x, kw: m.moveaxis(x, kw.get("source", 0), kw.get("destination", 0)),
    "rollaxis": lambda m, x, kw: m.rollaxis(x, **kw),
    "swapaxes": lambda m, x, kw: m.swapaxes(x, kw.get("axis1", 0), kw.get("axis2", 0)),
    "nanpercentile": lambda m, x, kw: m.nanpercentile(x, 50.0, **kw),
    "percentile": lambda m, x, kw: m.percentile(x, 50.0, **kw),
    "nanquantile": lambda m, x, kw: m.nanquantile(x, 0.5, **kw),
    "quantile": lambda m, x, kw: m.quantile(x, 0.5, **kw),
    "packbits": lambda m, x, kw: m.packbits(m.asarray(x) > 3, **kw),
    "unpackbits": lambda m, x, kw: m.unpackbits(m.asarray(x).astype(np.uint8), **kw),
    "put_along_axis": None,  # in place: swept below
    "repeat": lambda m, x, kw: m.repeat(x, 2, **kw),
    "roll": lambda m, x, kw: m.roll(x, 1, **kw),
    "take": lambda m, x, kw: m.take(x, [0, 1], **kw),
    "tensordot": lambda m, x, kw: m.tensordot(x, x, **kw),
    "vecdot": lambda m, x, kw: m.vecdot(x, x, **kw),
    "cumulative_sum": lambda m, x, kw: m.cumulative_sum(x, **kw),
    "cumulative_prod": lambda m, x, kw: m.cumulative_prod(x, **kw),
    "concatenate": lambda m, x, kw: m.concatenate([x, x], **kw),
    "stack": lambda m, x, kw: m.stack([x, x], **kw),
    "unstack": lambda m, x, kw: m.unstack(x, **kw),
    "average": lambda m, x, kw: m.average(x, **kw),
    "trim_zeros": lambda m, x, kw: m.trim_zeros(m.asarray(x) * 0 + 1, **kw),
    "linalg.cross": lambda m, x, kw: m.cross(x[..., :3], x[..., 1:], **kw),
    "linalg.tensordot": lambda m, x, kw: m.tensordot(x, x, **kw),
    "linalg.vecdot": lambda m, x, kw: m.vecdot(x, x, **kw),
    "linalg.tensorsolve": lambda m, x, kw: m.tensorsolve(
        _top(m).eye(6).reshape(2, 3, 6) + x.reshape(6, 4)[0, 0] * 0, x[:, :, 0], **kw),
    "matmul": lambda m, x, kw: m.matmul(x, m.swapaxes(x, -1, -2), **kw),
    "matvec": lambda m, x, kw: m.matvec(m.swapaxes(x, -1, -2), x[..., 0], **kw),
    "vecmat": lambda m, x, kw: m.vecmat(x[..., 0], x, **kw),
    "rot90": lambda m, x, kw: m.rot90(x, 1, **kw),
    "squeeze": lambda m, x, kw: m.squeeze(x[:, :1], **kw),
    "take_along_axis": lambda m, x, kw: m.take_along_axis(
        x, _top(m).zeros((2, 3, 4), dtype=np.int64), **kw),
}


# Further calls of some functions, whose other arguments take another code path.
EXTRA_BUILDERS = {
    "diff+prepend": lambda m, x, kw: m.diff(x, prepend=0.5, **kw),
    "diff+append": lambda m, x, kw: m.diff(x, append=x, **kw),
    "average+weights": lambda m, x, kw: m.average(x, weights=_top(m).ones(4), **kw),
    "average+returned": lambda m, x, kw: m.average(x, returned=True, **kw),
    "nanargmax+keepdims": lambda m, x, kw: m.nanargmax(x, keepdims=True, **kw),
    "nanargmin+keepdims": lambda m, x, kw: m.nanargmin(x, keepdims=True, **kw),
    "argmax+keepdims": lambda m, x, kw: m.argmax(x, keepdims=True, **kw),
    "sum+keepdims": lambda m, x, kw: m.sum(x, keepdims=True, **kw),
    "median+keepdims": lambda m, x, kw: m.median(x, keepdims=True, **kw),
    "quantile+keepdims": lambda m, x, kw: m.quantile(x, 0.5, keepdims=True, **kw),
    "take_along_axis+broadcast": lambda m, x, kw: m.take_along_axis(x, I, **kw),
    "cumsum+1d": lambda m, x, kw: m.cumsum(x[0, 0], **kw),
    "sort+1d": lambda m, x, kw: m.sort(x[0, 0], **kw),
    "flip+1d": lambda m, x, kw: m.flip(x[0, 0], **kw),
    "linalg.norm+ord": lambda m, x, kw: m.linalg.norm(x, ord=1, **kw),
    "fft.fftn+s": lambda m, x, kw: m.fft.fftn(x, s=(2,), **kw),
    "vecdot+keepdims": lambda m, x, kw: m.vecdot(x, x, keepdims=True, **kw),
}


def _top(m):
    return gnp if m.__name__.startswith("gpuad") else np


# Per function: the values of its axis parameter tried (besides the single out-of-range
# ones and, for tuple-taking parameters, BAD_TUPLE); the first one is valid.
VALUES = {
    "matmul": [[(-2, -1), (-2, -1), (-2, -1)], [(-2, 3), (-2, -1), (-2, -1)],
               [(0, 0), (-2, -1), (-2, -1)], [(-2, -1), (-2, -1), (-4, -1)]],
    "permute_dims": [(2, 1, 0), (0, 1, 3), (0, 0, 1), (-4, 1, 2), (0, -3, 1), (0, 1)],
    "rot90": [(0, 1), (0, 3), (0, 0), (-4, 1), (0, -3), (1, 2, 0)],
    "tensordot": [([0], [0]), 3, ([0, 3], [0, 0]), ([0, 0], [0, 0]), ([4], [0]), ([-4], [0])],
    "linalg.tensorsolve": [None, (3,), (0, 0), (-4,)],
}
VALUES["squeeze"] = [1] + BAD_ONE + BAD_TUPLE
VALUES["transpose"] = VALUES["permute_dims"]
VALUES["linalg.tensordot"] = VALUES["tensordot"]


def _values(param: str, key: str) -> list:
    if key in VALUES and param in ("axes", "axis"):
        return VALUES[key]
    key = key.split("+")[0]
    if key in ("expand_dims", "stack", "linspace", "logspace", "geomspace"):
        valid = -1
    else:
        valid = (-1,) if param == "axes" else -1
    tuples = param in ("axis", "axes", "source", "destination")
    return [valid] + BAD_ONE + (BAD_TUPLE if tuples else [])


def _numpy_cases():
    from gpuad.numpy import fft as gfft
    from gpuad.numpy import linalg as glinalg
    for prefix, gm, nm in (("", gnp, np), ("linalg.", glinalg, np.linalg), ("fft.", gfft, np.fft)):
        for name in sorted(dir(gm)):
            f, nf = getattr(gm, name), getattr(nm, name, None)
            if name.startswith("_") or isinstance(f, type) or not callable(f) or not callable(nf):
                continue
            try:
                params = inspect.signature(f).parameters
            except (TypeError, ValueError):
                continue
            if any(p.kind == p.VAR_KEYWORD for p in params.values()):
                try:
                    params = {**params, **inspect.signature(nf).parameters}
                except (TypeError, ValueError):
                    pass
            for p in sorted(set(params) & set(AXIS_PARAMS)):
                key = prefix + name
                if key in NUMPY_BUILDERS and NUMPY_BUILDERS[key] is None or key == "matmul" or (
                        p == "axes" and name in ("matvec", "vecmat", "vecdot")):
                    # the gufuncs' axes= is a list of one tuple per operand, not an axis: the
                    # CuPy math map compares it (test_cupy_suite_math_gaps.py)
                    continue
                yield key, name, gm, nm, p


NUMPY_CASES = list(_numpy_cases()) + [
    (key, key.split("+")[0], gnp, np, "axes" if key.startswith("fft.") else "axis")
    for key in EXTRA_BUILDERS]


def test_sweep_covers_the_axis_taking_functions():
    names = {c[0] for c in NUMPY_CASES}
    assert len(names) > 80, sorted(names)
    for must in ("cumsum", "sum", "moveaxis", "swapaxes", "take_along_axis", "linalg.norm",
                 "fft.fftn", "tensordot", "unwrap"):
        assert must in names


@pytest.mark.parametrize("case", NUMPY_CASES, ids=[f"{c[0]}-{c[4]}" for c in NUMPY_CASES])
def test_gnp_axis_bounds_as_numpy(case, backend):
    key, name, gm, nm, param = case

    def default(m, x, kw):
        return getattr(m, name)(x, **kw)

    build = NUMPY_BUILDERS.get(key) or EXTRA_BUILDERS.get(key) or default
    bad = []
    values = _values(param, key)
    for value in values:
        kw = {param: value}
        want = _outcome(lambda: build(nm, X, kw))
        if value is values[0] and want[0] == "raise":
            bad.append(f"{key}({param}={value!r}): the sweep's call is wrong: NumPy {want[1]}")
        for arg in (gnp.asarray(X), ad.tensor(gnp.asarray(X))):
            got = _outcome(lambda arg=arg: build(gm, arg, kw))
            why = _differ(want, got)
            if why:
                bad.append(f"{key}({param}={value!r}) on {type(arg).__name__}: {why}")
    assert not bad, "\n".join(bad)


X0 = np.array(3.7)  # a 0-d array: NumPy's reductions take axis 0 and -1 of it, some not
ZERO_D_VALUES = [0, -1, (0,), (-1,), 1, -2, (0, -1), (0, 0)]
# indices in range of the one element (an index out of range wraps around in CuPy's indexing,
# on any axis: not the axis check swept here)
ZERO_D_BUILDERS = {"take": lambda m, x, kw: m.take(x, [0, -1], **kw)}


def _dtype_differs(a, b) -> str | None:
    if a[0] != "ok" or b[0] != "ok" or not isinstance(a[1], np.ndarray) or \
            not isinstance(b[1], np.ndarray):
        return None
    return None if a[1].dtype == b[1].dtype else f"dtype {a[1].dtype} vs {b[1].dtype}"


@pytest.mark.parametrize("case", NUMPY_CASES, ids=[f"{c[0]}-{c[4]}" for c in NUMPY_CASES])
def test_gnp_zero_d_axis_as_numpy(case, backend):
    """The same calls on a 0-d array: accepted exactly where NumPy accepts them, with
    NumPy's value, shape and dtype (a builder indexing its array raises in both)."""
    key, name, gm, nm, param = case

    def default(m, x, kw):
        return getattr(m, name)(x, **kw)

    build = ZERO_D_BUILDERS.get(key) or NUMPY_BUILDERS.get(key) or EXTRA_BUILDERS.get(key) \
        or default
    bad = []
    for value in ZERO_D_VALUES:
        kw = {param: value}
        want = _outcome(lambda: build(nm, X0, kw))
        for arg in (gnp.asarray(X0), ad.tensor(gnp.asarray(X0))):
            got = _outcome(lambda arg=arg: build(gm, arg, kw))
            why = _differ(want, got) or _dtype_differs(want, got)
            if why:
                bad.append(f"{key}({param}={value!r}) on a 0-d {type(arg).__name__}: {why}")
    assert not bad, "\n".join(bad)


def test_gnp_put_along_axis_axis_bounds_as_numpy(backend):
    bad = []
    for axis in BAD_ONE:
        a = X.copy()
        want = _outcome(lambda a=a: np.put_along_axis(a, I, 1.0, axis=axis))
        g = gnp.asarray(X.copy())
        got = _outcome(lambda g=g: gnp.put_along_axis(g, I, 1.0, axis=axis))
        if _differ(want, got):
            bad.append(f"put_along_axis(axis={axis}): {_differ(want, got)}")
    assert not bad, "\n".join(bad)


# ---------------------------------------------------------------- Tensor methods vs torch
def _ix(t, a):
    """An integer index array of the same library as ``t``."""
    a = np.asarray(a, dtype=np.int64)
    return torch.tensor(a) if isinstance(t, torch.Tensor) else gnp.asarray(a)


def _ok(t, d, other=None):
    """``d`` where it is a dim of ``t`` (and not ``other``), else a dim that is."""
    n = max(t.ndim, 1)
    return d if -n <= d < n and (other is None or d % n != other) else 0


def _sel(t, d):
    return _ix(t, [0, 1])


# name: (call(t, d), whether d may be a tuple). d is the dim under test.
TORCH_CALLS = {
    "sum": (lambda t, d: t.sum(dim=d), True),
    "sum_keepdim": (lambda t, d: t.sum(dim=d, keepdim=True), True),
    "mean": (lambda t, d: t.mean(dim=d), True),
    "nansum": (lambda t, d: t.nansum(dim=d), True),
    "nanmean": (lambda t, d: t.nanmean(dim=d), True),
    "std": (lambda t, d: t.std(dim=d), True),
    "var": (lambda t, d: t.var(dim=d), True),
    "var_correction0": (lambda t, d: t.var(dim=d, correction=0), True),
    "amax": (lambda t, d: t.amax(dim=d), True),
    "amin": (lambda t, d: t.amin(dim=d), True),
    "logsumexp": (lambda t, d: t.logsumexp(dim=d), True),
    "norm": (lambda t, d: t.norm(dim=d), True),
    "norm_p1": (lambda t, d: t.norm(p=1, dim=d), True),
    "count_nonzero": (lambda t, d: t.count_nonzero(dim=d), True),
    "any": (lambda t, d: (t > 3).any(dim=d), True),
    "all": (lambda t, d: (t > 3).all(dim=d), True),
    "prod": (lambda t, d: t.prod(dim=d), False),
    "argmax": (lambda t, d: t.argmax(dim=d), False),
    "argmin": (lambda t, d: t.argmin(dim=d), False),
    "argmax_keepdim": (lambda t, d: t.argmax(dim=d, keepdim=True), False),
    "max": (lambda t, d: t.max(dim=d), False),
    "min": (lambda t, d: t.min(dim=d), False),
    "aminmax": (lambda t, d: t.aminmax(dim=d), False),
    "cumsum": (lambda t, d: t.cumsum(dim=d), False),
    "cumprod": (lambda t, d: t.cumprod(dim=d), False),
    "logcumsumexp": (lambda t, d: t.logcumsumexp(dim=d), False),
    "cummax": (lambda t, d: t.cummax(dim=d), False),
    "cummin": (lambda t, d: t.cummin(dim=d), False),
    "softmax": (lambda t, d: t.softmax(dim=d), False),
    "log_softmax": (lambda t, d: t.log_softmax(dim=d), False),
    "flip": (lambda t, d: t.flip(d if isinstance(d, tuple) else (d,)), True),
    "roll": (lambda t, d: t.roll(shifts=(1,) * len(d) if isinstance(d, tuple) else 1, dims=d),
             True),
    "movedim_src": (lambda t, d: t.movedim(d, 0 if isinstance(d, int) else tuple(
        range(len(d)))), True),
    "movedim_dst": (lambda t, d: t.movedim(0 if isinstance(d, int) else tuple(
        range(len(d))), d), True),
    "transpose_0": (lambda t, d: t.transpose(d, 0), False),
    "transpose_1": (lambda t, d: t.transpose(0, d), False),
    "squeeze": (lambda t, d: t[:, :1].squeeze(dim=d) if t.ndim == 3 else t.squeeze(dim=d), True),
    "unsqueeze": (lambda t, d: t.unsqueeze(d), True),
    "narrow": (lambda t, d: t.narrow(d, 0, 1), False),
    "select": (lambda t, d: t.select(d, 1), False),
    "unbind": (lambda t, d: t.unbind(d), False),
    "split": (lambda t, d: t.split(1, dim=d), False),
    "chunk": (lambda t, d: t.chunk(2, dim=d), False),
    "tensor_split": (lambda t, d: t.tensor_split(2, dim=d), False),
    "gather": (lambda t, d: t.gather(d, _ix(t, np.zeros((1, 1, 1)))), False),
    "take_along_dim": (lambda t, d: t.take_along_dim(_ix(t, np.zeros((1, 1, 1))), dim=d), False),
    "scatter": (lambda t, d: t.scatter(d, _ix(t, np.zeros((1, 1, 1))), 0.5), False),
    "scatter_add": (lambda t, d: t.scatter_add(d, _ix(t, np.zeros((1, 1, 1))), t[:1, :1, :1]),
                    False),
    "index_select": (lambda t, d: t.index_select(d, _sel(t, d)), False),
    "index_fill": (lambda t, d: t.index_fill(d, _sel(t, d), 0.5), False),
    "index_add": (lambda t, d: t.index_add(d, _ix(t, [0]), t.narrow(_ok(t, d), 0, 1) + 1.0),
                  False),
    "sort": (lambda t, d: t.sort(dim=d), False),
    "argsort": (lambda t, d: t.argsort(dim=d), False),
    "topk": (lambda t, d: t.topk(1, dim=d), False),
    "kthvalue": (lambda t, d: t.kthvalue(1, dim=d), False),
    "median": (lambda t, d: t.median(dim=d), False),
    "nanmedian": (lambda t, d: t.nanmedian(dim=d), False),
    "mode": (lambda t, d: t.mode(dim=d), False),
    "quantile": (lambda t, d: t.quantile(0.5, dim=d), False),
    "nanquantile": (lambda t, d: t.nanquantile(0.5, dim=d), False),
    "diff": (lambda t, d: t.diff(dim=d), False),
    "renorm": (lambda t, d: t.renorm(2, d, 1.0), False),
    "unflatten": (lambda t, d: t.unflatten(d, (t.shape[d], 1)) if -t.ndim <= d < t.ndim
                  else t.unflatten(d, (1, 1)), False),
    "flatten_start": (lambda t, d: t.flatten(d, -1), False),
    "flatten_end": (lambda t, d: t.flatten(0, d), False),
    "diagonal_dim1": (lambda t, d: t.diagonal(dim1=d, dim2=1), False),
    "diagonal_dim2": (lambda t, d: t.diagonal(dim1=0, dim2=d), False),
    "diag_embed_dim1": (lambda t, d: t.diag_embed(dim1=d, dim2=1), False),
    "diag_embed_dim2": (lambda t, d: t.diag_embed(dim1=0, dim2=d), False),
    "repeat_interleave": (lambda t, d: t.repeat_interleave(2, dim=d), False),
    "cross": (lambda t, d: t[:, :, :3].cross(t[:, :, 1:], dim=d), False),
    "rot90": (lambda t, d: t.rot90(1, d if isinstance(d, tuple) else (d, 1)), True),
    # (the other arguments are built with an in-range dim, so the method itself is tried)
    "index_copy": (lambda t, d: t.index_copy(d, _ix(t, [0]), t.narrow(_ok(t, d), 0, 1) * 2.0),
                   False),
    "index_reduce": (lambda t, d: t.index_reduce(d, _ix(t, [0]), t.narrow(_ok(t, d), 0, 1),
                                                 "amax"), False),
    "scatter_reduce": (lambda t, d: t.scatter_reduce(d, _ix(t, np.zeros((1, 1, 1))),
                                                     t[:1, :1, :1], "sum"), False),
    "select_scatter": (lambda t, d: t.select_scatter(t.select(_ok(t, d), 0) * 2.0, d, 0),
                       False),
    "slice_scatter": (lambda t, d: t.slice_scatter(t.narrow(_ok(t, d), 0, 1) * 2.0, d, 0, 1),
                      False),
    "diagonal_scatter": (lambda t, d: t.diagonal_scatter(
        t.diagonal(0, _ok(t, d, 1), 1) * 2.0, 0, d, 1), False),
    "split_with_sizes": (lambda t, d: t.split_with_sizes((1, t.shape[_ok(t, d)] - 1), d),
                         False),
    "narrow_copy": (lambda t, d: t.narrow_copy(d, 0, 1), False),
}
TORCH_DIMS = [-1, 3, -4, 7]
TORCH_TUPLES = [(0, -1), (0, 0), (0, -3), (3,), (-4, 0), (1, 2, 1)]


@pytest.mark.parametrize("name", sorted(TORCH_CALLS))
def test_tensor_method_dims_as_torch(name, backend):
    global torch
    torch = pytest.importorskip("torch")
    call, tuples = TORCH_CALLS[name]
    bad = []
    for x in (X, X[0, 0, 0]):
        dims = TORCH_DIMS + (TORCH_TUPLES if tuples else []) if x.ndim else [0, -1, 1, -2]
        for d in dims:
            want = _outcome(lambda d=d: call(torch.tensor(x), d))
            if d == -1 and x.ndim and want[0] == "raise":
                bad.append(f"{name}(dim=-1): the sweep's call is wrong: torch {want[1]}")
            got = _outcome(lambda d=d: call(ad.tensor(gnp.asarray(x)), d))
            why = _differ(want, got)
            if why:
                bad.append(f"{name}(dim={d!r}) on a {x.ndim}-d tensor: {why}")
    assert not bad, "\n".join(bad)


# ---------------------------------------------------------------- gpuad.lax vs jax.lax
def _lax_calls():
    import jax.numpy as jnp

    def ix(m, a):
        return (jnp if m.__name__.startswith("jax") else gnp).asarray(a)

    add = (lambda a, b: a + b)
    return {
        "argmax": (lambda m, x, d: m.argmax(x, d, np.int32), False),
        "argmin": (lambda m, x, d: m.argmin(x, d, np.int32), False),
        "cumsum": (lambda m, x, d: m.cumsum(x, axis=d), False),
        "cumsum_reverse": (lambda m, x, d: m.cumsum(x, axis=d, reverse=True), False),
        "cumprod": (lambda m, x, d: m.cumprod(x, axis=d), False),
        "cummax": (lambda m, x, d: m.cummax(x, axis=d), False),
        "cummin": (lambda m, x, d: m.cummin(x, axis=d), False),
        "cumlogsumexp": (lambda m, x, d: m.cumlogsumexp(x, axis=d), False),
        "associative_scan": (lambda m, x, d: m.associative_scan(add, x, axis=d), False),
        "broadcasted_iota": (lambda m, x, d: m.broadcasted_iota(np.int32, (2, 3, 4), d), False),
        "collapse_start": (lambda m, x, d: m.collapse(x, d, 3 if d != 3 else None), False),
        "collapse_stop": (lambda m, x, d: m.collapse(x, 0, d), False),
        "concatenate": (lambda m, x, d: m.concatenate([x, x], d), False),
        "dynamic_index_in_dim": (lambda m, x, d: m.dynamic_index_in_dim(x, 1, d), False),
        "dynamic_slice_in_dim": (lambda m, x, d: m.dynamic_slice_in_dim(x, 0, 1, d), False),
        "dynamic_update_index_in_dim": (lambda m, x, d: m.dynamic_update_index_in_dim(
            x, m.index_in_dim(x, 0, d if -3 <= d < 3 else 0), 1, d), False),
        "dynamic_update_slice_in_dim": (lambda m, x, d: m.dynamic_update_slice_in_dim(
            x, m.slice_in_dim(x, 0, 1, 1, d if -3 <= d < 3 else 0), 0, d), False),
        "index_in_dim": (lambda m, x, d: m.index_in_dim(x, 1, d), False),
        "slice_in_dim": (lambda m, x, d: m.slice_in_dim(x, 0, 1, 1, d), False),
        "split": (lambda m, x, d: m.split(x, (3, 1) if d in (2, -1) else (1, 1), axis=d), False),
        "top_k": (lambda m, x, d: m.top_k(x, 1, axis=d), False),
        "sort": (lambda m, x, d: m.sort(x, dimension=d), False),
        "sort_key_val": (lambda m, x, d: m.sort_key_val(x, -x, dimension=d), False),
        "expand_dims": (lambda m, x, d: m.expand_dims(x, d if isinstance(d, tuple) else (d,)),
                        True),
        "squeeze": (lambda m, x, d: m.squeeze(x[:1, :1, :1], d if isinstance(
            d, tuple) else (d,)), True),
        "rev": (lambda m, x, d: m.rev(x, d if isinstance(d, tuple) else (d,)), True),
        "reduce_sum": (lambda m, x, d: m.reduce_sum(x, d if isinstance(d, tuple) else (d,)),
                       True),
        "reduce_max": (lambda m, x, d: m.reduce_max(x, d if isinstance(d, tuple) else (d,)),
                       True),
        "reduce_min": (lambda m, x, d: m.reduce_min(x, d if isinstance(d, tuple) else (d,)),
                       True),
        "reduce_prod": (lambda m, x, d: m.reduce_prod(x, d if isinstance(d, tuple) else (d,)),
                        True),
        "reduce_and": (lambda m, x, d: m.reduce_and(x > 3, d if isinstance(d, tuple) else (d,)),
                       True),
        "reduce_or": (lambda m, x, d: m.reduce_or(x > 3, d if isinstance(d, tuple) else (d,)),
                      True),
        "reduce_xor": (lambda m, x, d: m.reduce_xor(x > 3, d if isinstance(d, tuple) else (d,)),
                       True),
        "reduce": (lambda m, x, d: m.reduce(x, 0.0, add, d if isinstance(d, tuple) else (d,)),
                   True),
        "transpose": (lambda m, x, d: m.transpose(x, d if isinstance(d, tuple) and len(d) == 3
                                                  else (0, 1, d)), True),
        "reshape_dimensions": (lambda m, x, d: m.reshape(x, (24,), d if isinstance(d, tuple)
                                                         and len(d) == 3 else (1, 0, d)), True),
        "broadcast_in_dim": (lambda m, x, d: m.broadcast_in_dim(
            x[0], (3, 5, 4), (0, d) if isinstance(d, int) else d), True),
        "dot_general": (lambda m, x, d: m.dot_general(
            x, x, (((d,) if isinstance(d, int) else d, (2,)), ((), ()))), True),
        "gather_dims": (lambda m, x, d: m.gather(
            x, ix(m, np.zeros((1, 1), np.int32)), m.GatherDimensionNumbers(
                offset_dims=(1, 2), collapsed_slice_dims=(d,) if isinstance(d, int) else d,
                start_index_map=(0,)), (1, 3, 1), mode="clip"), True),
    }


# 2 is the last axis; -1 names it too in gpuad (NumPy's reading), where JAX's lax mostly
# refuses negative axes: gpuad must then give JAX's answer for 2.
LAX_DIMS = [2, -1, 3, -4, 7]
# JAX takes a negative dimension here; gpuad refuses it with an error saying so (JAX's own
# documentation asks for dimensions in [0, rank)).
LAX_REFUSES_NEGATIVE = {"broadcast_in_dim", "gather_dims"}
LAX_TUPLES = [(0, 0), (0, -3), (3,), (-4,), (1, 2, 1)]


def _lax_names():
    try:
        import jax  # noqa: F401
    except ImportError:
        return []
    return sorted(_lax_calls())


@pytest.mark.parametrize("name", _lax_names() or ["jax-missing"])
def test_lax_axes_as_jax(name, backend):
    jax = pytest.importorskip("jax")
    import jax.lax as jl

    import gpuad.lax as gl

    call, tuples = _lax_calls()[name]
    bad = []
    with jax.enable_x64(True):
        for d in LAX_DIMS + (LAX_TUPLES if tuples else []):
            want = _outcome(lambda d=d: call(jl, jax.numpy.asarray(X), d))
            if d == 2 and want[0] == "raise":
                bad.append(f"{name}(2): the sweep's call is wrong: JAX {want[1]}")
            lenient = d == -1 and want[0] == "raise"
            if lenient:  # gpuad may refuse -1 too, or read it as 2
                want = _outcome(lambda: call(jl, jax.numpy.asarray(X), 2))
            elif d == -1 and name in LAX_REFUSES_NEGATIVE:
                continue
            for arg in (gnp.asarray(X), ad.tensor(gnp.asarray(X))):
                got = _outcome(lambda d=d, arg=arg: call(gl, arg, d))
                if lenient and got[0] == "raise":
                    continue
                why = _differ(want, got)
                if why:
                    bad.append(f"{name}({d!r}) on {type(arg).__name__}: {why}")
    assert not bad, "\n".join(bad)


# ------------------------------------------- gpuad.jax_nn vs jax.nn, gpuad.nn.functional vs torch
NN_VALUES = [-1, 3, -4, 7, (0, 0), (0, -3), (3,), (0, -1)]
NN_ARGS = {"cosine_similarity": 2, "pairwise_distance": 2}


def _nn_cases(module: str, peer: str):
    import importlib

    try:
        importlib.import_module(peer)
    except ImportError:
        return []
    gm = importlib.import_module(module)
    out = []
    for name in sorted(dir(gm)):
        f = getattr(gm, name)
        if name.startswith("_") or isinstance(f, type) or not callable(f):
            continue
        try:
            params = inspect.signature(f).parameters
        except (TypeError, ValueError):
            continue
        out += [(name, p) for p in params if p in ("axis", "axes", "dim")]
    return out


JNN_CASES = _nn_cases("gpuad.jax_nn", "jax")


@pytest.mark.parametrize("case", JNN_CASES or [("jax-missing", "")],
                         ids=[f"{n}-{p}" for n, p in JNN_CASES] or ["jax-missing"])
def test_jax_nn_axes_as_jax(case, backend):
    jax = pytest.importorskip("jax")
    import gpuad.jax_nn as gj

    name, p = case
    jf = getattr(jax.nn, name, None)
    if jf is None:
        pytest.skip(f"jax.nn has no {name}")
    x = X[:, :, :2] if name == "glu" else X.astype(np.int64) if name == "one_hot" else X
    extra = (3,) if name == "one_hot" else ()
    bad = []
    with jax.enable_x64(True):
        for v in NN_VALUES:
            want = _outcome(lambda v=v: jf(jax.numpy.asarray(x), *extra, **{p: v}))
            got = _outcome(lambda v=v: getattr(gj, name)(gnp.asarray(x), *extra, **{p: v}))
            why = _differ(want, got)
            if why:
                bad.append(f"jax_nn.{name}({p}={v!r}): {why}")
        if name not in ("glu", "one_hot"):
            for v in ZERO_D_VALUES:  # JAX refuses every axis of a 0-d array
                want = _outcome(lambda v=v: jf(jax.numpy.asarray(X0), **{p: v}))
                got = _outcome(lambda v=v: getattr(gj, name)(gnp.asarray(X0), **{p: v}))
                why = _differ(want, got)
                if why:
                    bad.append(f"jax_nn.{name}({p}={v!r}) of a 0-d array: {why}")
    assert not bad, "\n".join(bad)


TNN_CASES = [c for c in _nn_cases("gpuad.nn.functional", "torch")
             if c[1] == "dim" and c[0] != "gumbel_softmax"]  # (gumbel_softmax draws noise)
# gpuad's softmax family and cosine_similarity also take a tuple of dims (as jax.nn's
# softmax takes axes), where torch wants one int
TNN_TAKES_TUPLES = {"softmax", "log_softmax", "softmin", "cosine_similarity"}


@pytest.mark.parametrize("case", TNN_CASES or [("torch-missing", "")],
                         ids=[f"{n}-{p}" for n, p in TNN_CASES] or ["torch-missing"])
def test_nn_functional_dims_as_torch(case, backend):
    global torch
    torch = pytest.importorskip("torch")
    import gpuad.nn.functional as gF

    name, p = case
    tf = getattr(torch.nn.functional, name, None)
    if tf is None:
        pytest.skip(f"torch.nn.functional has no {name}")
    x = X[:, :, :2] if name == "glu" else X
    n = NN_ARGS.get(name, 1)
    bad = []
    for v in NN_VALUES:
        if isinstance(v, tuple) and name in TNN_TAKES_TUPLES:
            continue
        want = _outcome(lambda v=v: tf(*[torch.tensor(x)] * n, **{p: v}))
        got = _outcome(lambda v=v: getattr(gF, name)(*[ad.tensor(gnp.asarray(x))] * n,
                                                       **{p: v}))
        why = _differ(want, got)
        if why:
            bad.append(f"nn.functional.{name}({p}={v!r}): {why}")
    assert not bad, "\n".join(bad)
