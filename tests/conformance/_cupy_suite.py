"""A small harness for the ports of CuPy's array test suite (tests/cupy_tests/*).

CuPy's tests run one function under ``@testing.for_all_dtypes()`` and compare it with NumPy
(``numpy_cupy_array_equal``, ``numpy_cupy_allclose``, ``accept_error=``). Here a case is one
row: a function of ``xp`` (``numpy`` or ``gpuad.numpy``) and some arguments, where the
arguments built per dtype are placeholders (``A`` shaped_arange, ``RA`` its reverse, ``R``
shaped_random, ``V`` a fixed value cast to the dtype). Each row runs over its dtypes three
times: NumPy on host arrays (the reference), gpuad.numpy on plain backend arrays, and
gpuad.numpy on Tensors (recorded ones for float and complex dtypes). The results must agree
in container, dtype, shape and values, or both must raise the same class of exception.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import gpuad as ad
import gpuad.numpy as gnp

BOOL = [np.bool_]
SINT = [np.int8, np.int16, np.int32, np.int64]
UINT = [np.uint8, np.uint16, np.uint32, np.uint64]
INT = SINT + UINT
FLOAT = [np.float16, np.float32, np.float64]
COMPLEX = [np.complex64, np.complex128]
ALL = BOOL + INT + FLOAT + COMPLEX
NO_BOOL = INT + FLOAT + COMPLEX
NO_COMPLEX = BOOL + INT + FLOAT
NO_FLOAT16 = [d for d in ALL if d is not np.float16]
NUMERIC = INT + FLOAT  # no bool, no complex
INEXACT = FLOAT + COMPLEX


def _shaped_arange(shape, dtype, reverse=False):
    n = int(np.prod(shape))
    a = np.arange(1, n + 1)
    if reverse:
        a = a[::-1]
    dt = np.dtype(dtype)
    if dt.kind == "b":
        a = a % 2 == 0
    elif dt.kind == "c":
        a = a + a * 1j
    return np.asarray(a).astype(dt).reshape(shape)


def _shaped_random(shape, dtype, seed=0, scale=10):
    rs = np.random.RandomState(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rs.randint(0, 2, size=shape).astype(dt)
    if dt.kind == "c":
        return (rs.rand(*shape) * scale + 1j * rs.rand(*shape) * scale).astype(dt)
    if dt.kind in "iu":
        return rs.randint(0, scale, size=shape).astype(dt)
    return (rs.rand(*shape) * scale).astype(dt)


@dataclass(frozen=True)
class A:
    """shaped_arange(shape, dtype)."""
    shape: tuple
    reverse: bool = False

    def make(self, dt):
        return _shaped_arange(self.shape, dt, self.reverse)


def RA(shape):  # noqa: N802
    """shaped_reverse_arange(shape, dtype)."""
    return A(shape, True)


@dataclass(frozen=True)
class R:
    """shaped_random(shape, dtype, seed, scale)."""
    shape: tuple
    seed: int = 0
    scale: int = 10

    def make(self, dt):
        return _shaped_random(self.shape, dt, self.seed, self.scale)


@dataclass(frozen=True)
class V:
    """A fixed value cast to the dtype (``xp.array(value, dtype)``)."""
    value: Any

    def make(self, dt):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.array(self.value).astype(dt)


@dataclass(frozen=True)
class F:
    """A fixed host array (an index, a mask): a backend array for gpuad, never a Tensor."""
    value: Any

    def make(self, dt):
        return np.asarray(self.value)


PLACEHOLDERS = (A, R, V, F)


@dataclass
class Case:
    """One row: ``fn(xp, *args, **kw)`` compared over ``dtypes``."""
    name: str
    fn: Callable
    args: tuple
    kw: dict = field(default_factory=dict)
    dtypes: list = field(default_factory=lambda: ALL)
    rtol: float | None = None
    atol: float = 0.0
    tensor: bool = True  # also run on Tensors
    mutates: bool = False  # fn returns the array it wrote into

    @property
    def id(self):
        return self.name


def case(name, fn, *args, dtypes=ALL, rtol=None, atol=0.0, tensor=True, **kw):
    """A row; ``fn`` is a NumPy name (``"roll"``, ``"linalg.norm"``) or ``f(xp, *args, **kw)``."""
    if isinstance(fn, str):
        path = fn.split(".")

        def fn(xp, *a, _path=path, **k):
            f = xp
            for p in _path:
                f = getattr(f, p)
            return f(*a, **k)
    return Case(name, fn, args, kw, dtypes, rtol, atol, tensor)


def _build(obj, dt):
    if isinstance(obj, PLACEHOLDERS):
        return obj.make(dt)
    if isinstance(obj, tuple):
        return tuple(_build(o, dt) for o in obj)
    if isinstance(obj, list):
        return [_build(o, dt) for o in obj]
    if isinstance(obj, dict):
        return {k: _build(v, dt) for k, v in obj.items()}
    return obj


def _to_gpuad(obj, built, mode):
    """``built`` (host arrays) as gpuad takes them: backend arrays, or Tensors in ``mode``
    "tensor" for the dtype-parametrised placeholders."""
    if isinstance(obj, PLACEHOLDERS):
        arr = ad.get_backend().asarray(built)
        if mode == "tensor" and not isinstance(obj, F):
            rg = built.dtype.kind in "fc"
            return ad.Tensor(arr, requires_grad=rg)
        return arr
    if isinstance(obj, (tuple, list)):
        out = [_to_gpuad(o, b, mode) for o, b in zip(obj, built, strict=True)]
        return tuple(out) if isinstance(obj, tuple) else out
    if isinstance(obj, dict):
        return {k: _to_gpuad(obj[k], built[k], mode) for k in obj}
    return built


def _host(x):
    if isinstance(x, ad.Tensor):
        return x.numpy()
    if hasattr(x, "get") and not isinstance(x, (dict, np.ndarray)):
        return x.get()
    return x


def _tol(dt, rtol):
    if rtol is not None:
        return rtol
    kind = np.dtype(dt)
    if kind in (np.float16,):
        return 1e-3
    if kind in (np.float32, np.complex64):
        return 1e-5
    return 1e-12


def _compare(want, got, rtol, atol, where="result"):
    """A list of differences between NumPy's ``want`` and gpuad's ``got``."""
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return [f"{where}: NumPy gives a {type(want).__name__} of {len(want)}, "
                    f"gpuad {type(got).__name__} {getattr(got, '__len__', lambda: '')()}"]
        out = []
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            out += _compare(w, g, rtol, atol, f"{where}[{i}]")
        return out
    if isinstance(want, str) or isinstance(got, str):  # an exception family, a name
        same = isinstance(want, str) and isinstance(got, str) and want == got
        return [] if same else [f"{where}: gpuad gives {got!r}, NumPy {want!r}"]
    if isinstance(want, np.integer) and type(got) is int:
        # a rank (lstsq, polyfit): a Python int (CuPy's is a 0-d array)
        return [] if want == got else [f"{where}: gpuad gives {got!r}, NumPy {want!r}"]
    if isinstance(want, (bool, int, float, complex)) and not isinstance(want, np.generic):
        g = _host(got)
        if isinstance(g, np.ndarray) and g.shape == () or isinstance(g, np.generic):
            g = g.item()
        if type(g) is not type(want) and not (isinstance(want, int) and isinstance(g, int)):
            return [f"{where}: NumPy gives {type(want).__name__} {want!r}, gpuad "
                    f"{type(g).__name__} {g!r}"]
        want, got = np.asarray(want), np.asarray(g)
    want = np.asarray(want)
    g = _host(got)
    if not isinstance(g, (np.ndarray, np.generic)):
        return [f"{where}: gpuad gives a {type(got).__name__}, NumPy an array"]
    g = np.asarray(g)
    if g.dtype != want.dtype:
        return [f"{where}: dtype {g.dtype}, NumPy {want.dtype}"]
    if g.shape != want.shape:
        return [f"{where}: shape {g.shape}, NumPy {want.shape}"]
    if want.dtype.kind in "fc":
        tol = _tol(want.dtype, rtol)
        ok = np.allclose(g, want, rtol=tol, atol=atol, equal_nan=True)
    else:
        ok = np.array_equal(g, want)
    if not ok:
        return [f"{where}: values differ: gpuad {g.ravel()[:8]!r} NumPy {want.ravel()[:8]!r}"]
    return []


def _errors_match(np_err, g_err):
    return isinstance(g_err, type(np_err)) or isinstance(np_err, type(g_err))


def run_case(c: Case, refused: dict | None = None) -> list[str]:
    """Every difference between NumPy and gpuad for the row ``c`` (empty: they agree).
    ``refused`` maps a dtype (or None for all) to the exception class gpuad raises on purpose."""
    problems = []
    for dt in c.dtypes:
        built = _build(c.args, dt)
        kw = _build(c.kw, dt)
        np_err = want = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = c.fn(np, *_copy(built), **_copy(kw))
            except Exception as e:  # noqa: BLE001
                np_err = e
        modes = ("array", "tensor") if c.tensor else ("array",)
        for mode in modes:
            tag = f"{np.dtype(dt).name}/{mode}"
            args = _to_gpuad(c.args, _copy(built), mode)
            gkw = _to_gpuad(c.kw, _copy(kw), mode)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    got = c.fn(gnp, *args, **gkw)
                    got = _materialise(got)
                    g_err = None
                except Exception as e:  # noqa: BLE001
                    g_err = e
            expect_refusal = refused and (refused.get(np.dtype(dt).name) or refused.get(None))
            if expect_refusal and g_err is not None and isinstance(g_err, expect_refusal):
                continue
            if np_err is not None:
                if g_err is None:
                    problems.append(f"{tag}: NumPy raises {type(np_err).__name__}: "
                                    f"{np_err}; gpuad returns")
                elif not _errors_match(np_err, g_err):
                    problems.append(f"{tag}: NumPy raises {type(np_err).__name__}, gpuad "
                                    f"{type(g_err).__name__}: {str(g_err)[:200]}")
                continue
            if g_err is not None:
                problems.append(f"{tag}: gpuad raises {type(g_err).__name__}: "
                                f"{str(g_err)[:300]}")
                continue
            problems += [f"{tag}: {p}" for p in _compare(want, got, c.rtol, c.atol)]
    return problems


def _copy(obj):
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, tuple):
        return tuple(_copy(o) for o in obj)
    if isinstance(obj, list):
        return [_copy(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    return obj


def _materialise(got):
    """Generators and iterators (``ndindex``, ``broadcast``) as lists."""
    if isinstance(got, tuple) and hasattr(got, "_fields"):  # unique_all's named results
        return tuple(_materialise(g) for g in got)
    if isinstance(got, (tuple, list)):
        return type(got)(_materialise(g) for g in got)
    if hasattr(got, "__next__"):
        return list(got)
    return got


def known_or_refused(backend, name, refused, known):
    """The ``{dtype: exception}`` gpuad raises on purpose for row ``name`` on ``backend``
    (``refused[name] = (errors, reason[, backends])``), and the reason the row is a known
    difference (``known[name]``), or None."""
    entry = refused.get(name)
    errors = {}
    if entry is not None and (len(entry) < 3 or backend in entry[2]):
        errors = entry[0]
    return errors, known.get(name)
