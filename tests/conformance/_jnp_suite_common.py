"""Shared pieces of the ports of jax.numpy's operator and reducer suites
(test_jax_numpy_operators_suite.py, test_jax_numpy_reducers_suite.py): JAX's dtype groups and
shapes, input draws in the spirit of its ``jtu.rand_*`` factories, and the comparison of a
gpuad result with NumPy's (dtype, shape, values) and jax.numpy's (values).
"""

from __future__ import annotations

import warnings

import numpy as np

from tests.conftest import to_numpy

F = [np.float16, np.float32, np.float64]
C = [np.complex64, np.complex128]
I = [np.int8, np.int16, np.int32, np.int64]  # noqa: E741
U = [np.uint8, np.uint16, np.uint32, np.uint64]
B = [np.bool_]
ALL = F + C + I + U + B
NUM = F + C + I + U
DEF = F + I
INEX = F + C
REAL = F + I + U
NO_U64 = [d for d in I + U if d != np.uint64]

# JAX's PYTHON_SCALAR_SHAPE and NUMPY_SCALAR_SHAPE: a Python number, a NumPy scalar
PY, NP0 = "py", "np0"
NONEMPTY = [PY, NP0, (), (4,), (3, 1), (1, 4), (2, 1, 4)]
EMPTY = [(0,), (0, 4), (3, 0)]
ALL_SHAPES = NONEMPTY + EMPTY
_PY_TYPES = {"b": bool, "i": int, "f": float, "c": complex}


def valid_dtypes(shape, dtypes):
    """JAX's ``_valid_dtypes_for_shape``: a Python scalar has one type per kind."""
    if shape == PY:
        return [d for d in dtypes if d in (np.bool_, np.int64, np.float64, np.complex128)]
    return list(dtypes)


def array_shape(shape):
    return () if shape in (PY, NP0) else shape


def broadcastable(shapes) -> bool:
    try:
        np.broadcast_shapes(*map(array_shape, shapes))
        return True
    except ValueError:
        return False


def draw(rng, kind: str, shape, dtype):
    """An input of ``shape`` (or a Python / NumPy scalar) and ``dtype`` drawn like JAX's
    ``rand_<kind>``: default (3 * normal), positive [1, 3), small (-0.9, 0.9),
    small_positive, nonzero, some_inf / some_nan / some_inf_nan, some_equal / some_zero (ties
    and zeros), bool, shift (0..7)."""
    shp = array_shape(shape)
    dt = np.dtype(dtype)
    if kind == "bool":
        x = rng.random(shp) < 0.5
    elif kind == "positive":
        x = rng.uniform(1.0, 3.0, shp)
    elif kind == "small":
        x = rng.uniform(-0.9, 0.9, shp)
    elif kind == "small_positive":
        x = rng.uniform(0.01, 0.2, shp)
    elif kind == "shift":
        x = rng.integers(0, 8, shp)
    else:
        x = 3.0 * rng.standard_normal(shp)
        if kind == "nonzero":
            x = np.where(np.abs(x) < 0.5, 1.5, x)
        if kind.startswith("some_") and dt.kind in "fc" and x.size:
            m = rng.random(shp)
            if "inf" in kind:
                x = np.where(m < 0.15, np.inf, np.where(m < 0.3, -np.inf, x))
            if "nan" in kind:
                x = np.where(m > 0.85, np.nan, x)
        if kind in ("some_equal", "some_zero") and x.size:
            x = np.where(rng.random(shp) < 0.3, 0.0 if kind == "some_zero" else 1.0, x)
    if dt.kind == "c":
        im = rng.uniform(-0.5, 0.5, shp) if kind in ("positive", "small", "small_positive") \
            else 3.0 * rng.standard_normal(shp)
        x = x + 1j * im
    if dt.kind == "u":
        x = np.abs(x)
    if dt.kind in "iu":
        x = np.round(np.where(np.isfinite(x), x, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = np.asarray(x).astype(dt)
    if shape == PY:
        return _PY_TYPES[dt.kind if dt.kind != "u" else "i"](a)
    return a[()] if shape == NP0 else a


def quiet(fn, *args, **kwargs):
    """``(value, None)`` or ``(None, exception)``, NumPy's warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs), None
        except Exception as e:  # noqa: BLE001 (the exception is the result compared)
            return None, e


def leaves(out):
    if isinstance(out, tuple | list):
        return [leaf for o in out for leaf in leaves(o)]
    return [out]


def tolerance(*dtypes) -> float:
    kinds = {np.dtype(d) for d in dtypes}
    if np.dtype(np.float16) in kinds:
        return 2e-3
    if kinds & {np.dtype(np.float32), np.dtype(np.complex64)}:
        return 2e-5
    return 1e-11


def dtype_of(a):
    return np.asarray(a).dtype


def mismatch(got, want, tol: float, dtypes: bool = True) -> str | None:
    """Why gpuad's ``got`` is not NumPy's (or JAX's) ``want``; None when it is."""
    gl, wl = leaves(got), leaves(want)
    if len(gl) != len(wl):
        return f"{len(gl)} outputs, expected {len(wl)}"
    for g, w in zip(gl, wl, strict=True):
        g, w = np.asarray(to_numpy(g)), np.asarray(w)
        if g.shape != w.shape:
            return f"shape {g.shape}, expected {w.shape}"
        if dtypes and g.dtype != w.dtype:
            return f"dtype {g.dtype}, expected {w.dtype}"
        if w.dtype.kind in "biu" and g.dtype.kind in "biu":
            if not np.array_equal(g, w):
                return f"values {g.ravel()[:6]}, expected {w.ravel()[:6]}"
            continue
        gw = g.astype(np.complex128 if "c" in (g.dtype.kind, w.dtype.kind) else np.float64)
        ww = w.astype(gw.dtype)
        if not np.allclose(gw, ww, rtol=tol, atol=tol, equal_nan=True):
            return f"values {g.ravel()[:6]}, expected {w.ravel()[:6]}"
    return None
