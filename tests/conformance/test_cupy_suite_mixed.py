"""CuPy's ``for_all_dtypes_combination`` tests ported to gpuad.numpy: the two-array functions
of tests/cupy_tests/manipulation_tests (join, add_remove), indexing_tests, sorting_tests
(search), statistics_tests (meanvar, correlation, histogram), logic_tests (truth),
creation_tests (basic), padding_tests and linalg_tests (product, solve) on every pair of CuPy's
dtype kinds, on backend arrays and on Tensors (recorded for float and complex data), compared
with NumPy in container, dtype, shape, values and exception class
(tests/conformance/_cupy_suite.py). This is where type promotion meets each function's own
code: the dtype of a joined, padded, interpolated or written result, and the refusals
(a complex fill value into a real array, say).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.complex_rules import ComplexError
from tests.conformance._cupy_suite import _compare

DTYPES = [np.bool_, np.int8, np.uint8, np.int32, np.uint64, np.int64, np.float16, np.float32,
          np.float64, np.complex64]
A0, B0 = np.array([1, 2, 3]), np.array([2, 0, 1])
_MASK = np.array([True, False, True])


def _written(write):
    def row(xp, a, b):
        c = xp.copy(a)
        write(xp, c, b)
        return c
    return row


FUNCTIONS = {
    "concatenate": lambda xp, a, b: xp.concatenate([a, b]),
    "stack": lambda xp, a, b: xp.stack([a, b]),
    "hstack": lambda xp, a, b: xp.hstack([a, b]),
    "column_stack": lambda xp, a, b: xp.column_stack([a, b]),
    "block": lambda xp, a, b: xp.block([a, b]),
    "append": lambda xp, a, b: xp.append(a, b),
    "insert": lambda xp, a, b: xp.insert(a, [1, 2], b[:2]),
    "where": lambda xp, a, b: xp.where(_MASK, a, b),
    "select": lambda xp, a, b: xp.select([~_MASK], [a], b),
    "choose": lambda xp, a, b: xp.choose(np.array([0, 1, 0]), [a, b]),
    "union1d": lambda xp, a, b: xp.union1d(a, b),
    "intersect1d": lambda xp, a, b: xp.intersect1d(a, b),
    "setdiff1d": lambda xp, a, b: xp.setdiff1d(a, b),
    "setxor1d": lambda xp, a, b: xp.setxor1d(a, b),
    "isin": lambda xp, a, b: xp.isin(a, b),
    "searchsorted": lambda xp, a, b: xp.searchsorted(xp.sort(a), b),
    "digitize": lambda xp, a, b: xp.digitize(a, xp.sort(b)),
    "dot": lambda xp, a, b: xp.dot(a, b),
    "matmul": lambda xp, a, b: xp.matmul(a, b),
    "vdot": lambda xp, a, b: xp.vdot(a, b),
    "inner": lambda xp, a, b: xp.inner(a, b),
    "outer": lambda xp, a, b: xp.outer(a, b),
    "tensordot": lambda xp, a, b: xp.tensordot(a, b, 1),
    "einsum": lambda xp, a, b: xp.einsum("i,i->", a, b),
    "kron": lambda xp, a, b: xp.kron(a, b),
    "cross": lambda xp, a, b: xp.cross(a, b),
    "convolve": lambda xp, a, b: xp.convolve(a, b),
    "correlate": lambda xp, a, b: xp.correlate(a, b),
    "polyval": lambda xp, a, b: xp.polyval(a, b),
    "polyadd": lambda xp, a, b: xp.polyadd(a, b),
    "polymul": lambda xp, a, b: xp.polymul(a, b),
    "interp": lambda xp, a, b: xp.interp(a, np.array([0.0, 1.0, 2.0]), b),
    "average": lambda xp, a, b: xp.average(a, weights=b),
    "cov": lambda xp, a, b: xp.cov(a, b),
    "trapezoid": lambda xp, a, b: xp.trapezoid(a, b),
    "histogram": lambda xp, a, b: xp.histogram(a, bins=3, weights=b),
    "bincount": lambda xp, a, b: xp.bincount(np.array([0, 1, 1]), weights=b),
    "ediff1d": lambda xp, a, b: xp.ediff1d(a, to_end=b[:1], to_begin=b[2:]),
    "diff_prepend": lambda xp, a, b: xp.diff(a, prepend=b[:1], append=b[1:]),
    "nan_to_num": lambda xp, a, b: xp.nan_to_num(a, nan=b[0], posinf=b[1]),
    "clip": lambda xp, a, b: xp.clip(a, b[0], None),
    "pad_constant": lambda xp, a, b: xp.pad(a, 1, constant_values=b[1]),
    "full_like": lambda xp, a, b: xp.full_like(a, b[1]),
    "put": _written(lambda xp, c, b: xp.put(c, [0, 2], b[:2])),
    "place": _written(lambda xp, c, b: xp.place(c, _MASK, b[:2])),
    "putmask": _written(lambda xp, c, b: xp.putmask(c, _MASK, b)),
    "copyto": _written(lambda xp, c, b: xp.copyto(c, b, casting="unsafe")),
    "solve": lambda xp, a, b: xp.linalg.solve(xp.diag(a) + 5 * xp.eye(3, dtype=a.dtype), b),
    "lstsq": lambda xp, a, b: xp.linalg.lstsq(xp.stack([a, a * a + 1]).T, b, rcond=None)[0],
}

_C = "complex64"
# pairs where gpuad raises on purpose: name -> (pairs "a+b" or None for all, mode or None for
# both, exception class, reason)
REFUSED = {
    "insert": ({f"{np.dtype(d).name}+{_C}" for d in DTYPES if d is not np.complex64}, None,
               TypeError, "complex values into a real array: NumPy drops their imaginary "
               "parts with a ComplexWarning, gpuad refuses"),
    "clip": ({f"{np.dtype(d).name}+{_C}" for d in DTYPES} | {f"{_C}+{np.dtype(d).name}"
                                                            for d in DTYPES}, "tensor",
             ComplexError, "clip of complex Tensors is differentiated for real values only"),
    "histogram": ({f"{_C}+{np.dtype(d).name}" for d in DTYPES}, "tensor", ComplexError,
                  "the range of complex Tensors (their min and max) is differentiated for "
                  "real values only"),
}
# (NumPy refuses float16 matrices in linalg; gpuad, as CuPy, solves them in float32)
SKIP = {"lstsq": "float16"}


def _modes(a, b):
    be = ad.get_backend()
    yield "array", be.asarray(a.copy()), be.asarray(b.copy())
    yield "tensor", *(ad.Tensor(be.asarray(v.copy()), requires_grad=v.dtype.kind in "fc")
                      for v in (a, b))


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_cupy_suite_dtype_pairs(backend, name):
    f = FUNCTIONS[name]
    pairs, mode_refused, error, _why = REFUSED.get(name, (set(), None, None, ""))
    problems = []
    for da, db in itertools.product(DTYPES, DTYPES):
        tag = f"{np.dtype(da).name}+{np.dtype(db).name}"
        if name in SKIP and SKIP[name] in tag:
            continue
        a, b = A0.astype(da), B0.astype(db)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want, np_err = f(np, a.copy(), b.copy()), None
            except Exception as e:  # noqa: BLE001
                want, np_err = None, e
            for mode, ga, gb in _modes(a, b):
                try:
                    got, g_err = f(gnp, ga, gb), None
                except Exception as e:  # noqa: BLE001
                    got, g_err = None, e
                if (tag in pairs and mode_refused in (None, mode) and g_err is not None
                        and isinstance(g_err, error)):
                    continue
                if np_err is not None:
                    if g_err is None:
                        problems.append(f"{tag}/{mode}: NumPy raises {type(np_err).__name__}, "
                                        f"gpuad returns")
                    continue
                if g_err is not None:
                    problems.append(f"{tag}/{mode}: gpuad raises {type(g_err).__name__}: "
                                    f"{str(g_err)[:150]}")
                    continue
                rtol = 1e-3 if np.float16 in (da, db) else 1e-5
                problems += [f"{tag}/{mode}: {p}" for p in _compare(want, got, rtol, 1e-6)]
    assert not problems, "\n".join(problems[:20])


# ---- out= arrays of another dtype (CuPy's out tests): NumPy's casting rule per function ----

_X = np.array([[1.5, -2.25, 3.0], [0.5, 4.0, -1.0]])
OUT_FUNCTIONS = {
    "concatenate": (lambda xp, a, out: xp.concatenate([a, a], out=out), (4, 3)),
    "stack": (lambda xp, a, out: xp.stack([a, a], out=out), (2, 2, 3)),
    "take": (lambda xp, a, out: xp.take(a, [2, 0], out=out), (2,)),
    "clip": (lambda xp, a, out: xp.clip(a, -0.5, 0.5, out=out), (2, 3)),
    "dot": (lambda xp, a, out: xp.dot(a, a.T, out=out), (2, 2)),
    "matmul": (lambda xp, a, out: xp.matmul(a, a.T, out=out), (2, 2)),
    "outer": (lambda xp, a, out: xp.outer(a[0], a[1], out=out), (3, 3)),
    "einsum": (lambda xp, a, out: xp.einsum("ij->j", a, out=out), (3,)),
    "vecdot": (lambda xp, a, out: xp.vecdot(a, a, out=out), (2,)),
    "add": (lambda xp, a, out: xp.add(a, a, out=out), (2, 3)),
    "around": (lambda xp, a, out: xp.around(a, 1, out=out), (2, 3)),
    "round": (lambda xp, a, out: xp.round(a, 1, out=out), (2, 3)),
    "sum": (lambda xp, a, out: xp.sum(a, axis=0, out=out), (3,)),
    "prod": (lambda xp, a, out: xp.prod(a, axis=0, out=out), (3,)),
    "cumsum": (lambda xp, a, out: xp.cumsum(a, out=out), (6,)),
    "mean": (lambda xp, a, out: xp.mean(a, axis=0, out=out), (3,)),
    "var": (lambda xp, a, out: xp.var(a, axis=0, out=out), (3,)),
    "std": (lambda xp, a, out: xp.std(a, axis=0, out=out), (3,)),
    "ptp": (lambda xp, a, out: xp.ptp(a, axis=0, out=out), (3,)),
    "amax": (lambda xp, a, out: xp.amax(a, axis=0, out=out), (3,)),
    "argmax": (lambda xp, a, out: xp.argmax(a, axis=0, out=out), (3,)),
    "argmin": (lambda xp, a, out: xp.argmin(a, axis=1, out=out), (2,)),
    "median": (lambda xp, a, out: xp.median(a, axis=0, out=out), (3,)),
    "percentile": (lambda xp, a, out: xp.percentile(a, 30, axis=0, out=out), (3,)),
    "quantile": (lambda xp, a, out: xp.quantile(a, 0.3, axis=0, out=out), (3,)),
    "nanquantile": (lambda xp, a, out: xp.nanquantile(a, 0.3, axis=0, out=out), (3,)),
    "nanmean": (lambda xp, a, out: xp.nanmean(a, axis=0, out=out), (3,)),
    "nanvar": (lambda xp, a, out: xp.nanvar(a, axis=0, out=out), (3,)),
    "nanstd": (lambda xp, a, out: xp.nanstd(a, axis=0, out=out), (3,)),
    "nansum": (lambda xp, a, out: xp.nansum(a, axis=0, out=out), (3,)),
    "nanmedian": (lambda xp, a, out: xp.nanmedian(a, axis=0, out=out), (3,)),
    "trace": (lambda xp, a, out: xp.trace(a, out=out), ()),
    "any": (lambda xp, a, out: xp.any(a, axis=0, out=out), (3,)),
    "cumulative_sum": (lambda xp, a, out: xp.cumulative_sum(a, axis=1, out=out), (2, 3)),
}
OUT_DTYPES = [np.bool_, np.int8, np.int64, np.float32, np.float64, np.complex128]


@pytest.mark.parametrize("name", list(OUT_FUNCTIONS))
def test_cupy_suite_out_dtypes(backend, name):
    f, oshape = OUT_FUNCTIONS[name]
    be = ad.get_backend()
    problems = []
    for odt, mode in itertools.product(OUT_DTYPES, ("array", "tensor")):
        tag = f"out {np.dtype(odt).name}/{mode}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = np.zeros(oshape, odt)
            try:
                f(np, _X.copy(), want)
                np_err = None
            except Exception as e:  # noqa: BLE001
                np_err = e
            out = be.asarray(np.zeros(oshape, odt))
            a = be.asarray(_X.copy())
            if mode == "tensor":  # a recorded input; an out that does not require grad
                out, a = ad.Tensor(out), ad.Tensor(a, requires_grad=True)
            try:
                r = f(gnp, a, out)
                g_err = None
            except Exception as e:  # noqa: BLE001
                g_err = e
        if np_err is not None:
            if g_err is None:
                problems.append(f"{tag}: NumPy raises {type(np_err).__name__}, gpuad writes")
            elif not isinstance(g_err, type(np_err)) and not isinstance(np_err, type(g_err)):
                problems.append(f"{tag}: NumPy raises {type(np_err).__name__}, gpuad "
                                f"{type(g_err).__name__}: {g_err}")
            continue
        if g_err is not None:
            problems.append(f"{tag}: gpuad raises {type(g_err).__name__}: {str(g_err)[:150]}")
            continue
        if r is not out:
            problems.append(f"{tag}: gpuad returns another array than out")
        problems += [f"{tag}: {p}" for p in _compare(want, out, 1e-6, 1e-7)]
    assert not problems, "\n".join(problems[:20])
