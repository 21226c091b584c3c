"""NumPy's linear-algebra tests (numpy/numpy ``numpy/linalg/tests/test_linalg.py``, every class
and module-level test, and ``numpy/linalg/tests/test_regression.py``'s ``TestRegression``),
mapped onto gpuad.numpy.linalg, with ports of what the earlier port
(test_numpy_linalg_suite.py, which draws its own random matrices) left out.

The ports here rebuild NumPy's own ``LinalgCase`` tables (the literal single/double/csingle/
cdouble matrices, 0x0, 1x1, 8x8, lists, the non-square and Hermitian cases, the "tile3" and
"tile213" stacks, and strided copies with steps 3 and -4 and zero strides) and run each
function that the case-driven classes test on them: through NumPy, through gpuad on backend
arrays and through gpuad on Tensors that require grad, comparing the error class, dtypes,
shapes and values (decompositions by their sign-free parts). Where a function is
differentiable, reverse and forward mode are compared with float64 central differences
(gpuad.testing.check_grads) on the double and cdouble cases, and float32/complex64 gradients
keep their dtype. The per-class tests (``test_types``, ``test_0_size``, the norm classes for
double, single and int64, matrix_power over every NumPy dtype gpuad has, qr, cholesky,
matrix_rank, multi_dot, tensorinv/tensorsolve, the Array API aliases) are run the same way.

``GAPS`` has one row per upstream test method, with the method each LinalgCase class inherits
from its mix-ins (``test_sq_cases``, ``test_generalized_empty_herm_cases``, ...) listed under
that class, and the class-body check of ``TestOuter`` (it has no methods) as one row:
(class, test, where), where is "here: test_fn[case]", "covered: file.py::test_fn",
"differs: why; here: test_fn" or "n/a: why".
"""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.numpy import linalg as NL
from gpuad.testing import check_grads

INF = np.inf
SUITE = "covered: conformance/test_numpy_linalg_suite.py::"
SWEEPS = SUITE + "test_argument_sweeps_and_regressions"

# ---- NumPy's LinalgCase tables, rebuilt ------------------------------------------------------

_R = np.random.default_rng(1234)
_F4, _F8, _C8, _C16 = np.float32, np.float64, np.complex64, np.complex128


def _square_cases():
    a = [[1.0, 2.0], [3.0, 4.0]]
    ac = [[1 + 2j, 2 + 3j], [3 + 4j, 4 + 5j]]
    return [
        ("single", np.array(a, _F4), np.array([2.0, 1.0], _F4)),
        ("double", np.array(a, _F8), np.array([2.0, 1.0], _F8)),
        ("double_2", np.array(a, _F8), np.array([[2.0, 1.0, 4.0], [3.0, 4.0, 6.0]])),
        ("csingle", np.array(ac, _C8), np.array([2 + 1j, 1 + 2j], _C8)),
        ("cdouble", np.array(ac, _C16), np.array([2 + 1j, 1 + 2j], _C16)),
        (
            "cdouble_2",
            np.array(ac, _C16),
            np.array([[2 + 1j, 1 + 2j, 1 + 3j], [1 - 2j, 1 - 3j, 1 - 6j]], _C16),
        ),
        ("0x0", np.empty((0, 0)), np.empty((0,))),
        ("8x8", _R.random((8, 8)) + 2 * np.eye(8), _R.random(8)),
        ("1x1", _R.random((1, 1)) + 0.5, _R.random(1)),
        ("nonarray", [[1, 2], [3, 4]], [2, 1]),
    ]


def _nonsquare_cases():
    w = [[1.0, 2.0, 3.0], [3.0, 4.0, 6.0]]
    t = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    wc = [[1 + 1j, 2 + 2j, 3 - 3j], [3 - 5j, 4 + 9j, 6 + 2j]]
    tc = [[1 + 1j, 2 + 2j], [3 - 3j, 4 - 9j], [5 - 4j, 6 + 8j]]
    return [
        ("single_nsq_1", np.array(w, _F4), np.array([2.0, 1.0], _F4)),
        ("single_nsq_2", np.array(t, _F4), np.array([2.0, 1.0, 3.0], _F4)),
        ("double_nsq_1", np.array(w), np.array([2.0, 1.0])),
        ("double_nsq_2", np.array(t), np.array([2.0, 1.0, 3.0])),
        ("csingle_nsq_1", np.array(wc, _C8), np.array([2 + 1j, 1 + 2j], _C8)),
        ("csingle_nsq_2", np.array(tc, _C8), np.array([2 + 1j, 1 + 2j, 3 - 3j], _C8)),
        ("cdouble_nsq_1", np.array(wc), np.array([2 + 1j, 1 + 2j])),
        ("cdouble_nsq_2", np.array(tc), np.array([2 + 1j, 1 + 2j, 3 - 3j])),
        ("cdouble_nsq_1_2", np.array(wc), np.array([[2 + 1j, 1 + 2j], [1 - 1j, 2 - 2j]])),
        (
            "cdouble_nsq_2_2",
            np.array(tc),
            np.array([[2 + 1j, 1 + 2j], [1 - 1j, 2 - 2j], [1 - 1j, 2 - 2j]]),
        ),
        ("8x11", _R.random((8, 11)), _R.random(8)),
        ("1x5", _R.random((1, 5)), _R.random(1)),
        ("5x1", _R.random((5, 1)), _R.random(5)),
        ("0x4", _R.random((0, 4)), _R.random(0)),
        ("4x0", _R.random((4, 0)), _R.random(4)),
    ]


def _hermitian_cases():
    # NumPy's Hermitian matrices are indefinite (eigenvalues -1 and 3); cholesky needs the
    # positive definite ones, which its own class builds
    return [
        ("hsingle", np.array([[1.0, 2.0], [2.0, 1.0]], _F4), None),
        ("hdouble", np.array([[1.0, 2.0], [2.0, 1.0]]), None),
        ("hcsingle", np.array([[1.0, 2 + 3j], [2 - 3j, 1]], _C8), None),
        ("hcdouble", np.array([[1.0, 2 + 3j], [2 - 3j, 1]], _C16), None),
        ("hempty", np.empty((0, 0)), None),
        ("hnonarray", [[1, 2], [2, 1]], None),
        ("matrix_b_only", np.array([[1.0, 2.0], [2.0, 1.0]]), None),
        ("hmatrix_1x1", _R.random((1, 1)), None),
    ]


def _generalized(cases):
    out = []
    for name, a, b in cases:
        if not isinstance(a, np.ndarray):
            continue
        b3 = None if b is None else (b if b.ndim == 1 else np.array([b, 7 * b, 6 * b]))
        out.append((name + "_tile3", np.array([a, 2 * a, 3 * a]), b3))
        a213 = np.array([a] * 6).reshape((3, 2) + a.shape)
        if b is None:
            b213 = None
        elif b.ndim == 1:
            b213 = np.array([b] * 6 * a.shape[-1]).reshape((3, 2) + a.shape[-2:])
        else:
            b213 = np.array([b] * 6).reshape((3, 2) + b.shape)
        out.append((name + "_tile213", a213, b213))
    return out


def _strided(x, step):
    """``x`` copied into a buffer read with ``step`` along its last two axes (NumPy's
    ``_stride_comb_iter`` with the steps 3 and -4), or with zero strides where a size is 1."""
    if not isinstance(x, np.ndarray) or x.ndim == 0:
        return x
    if step == 0:
        if x.shape[-1] != 1:
            return None
        s = list(x.strides)
        s[-1] = 0
        return np.lib.stride_tricks.as_strided(x, strides=s)
    steps = [1] * x.ndim
    steps[-1] = step
    if x.ndim > 1:
        steps[-2] = step
    big = np.full([abs(n * k) for n, k in zip(x.shape, steps, strict=True)], 7, x.dtype)
    view = big[tuple(slice(None, None, k) for k in steps)]
    view[...] = x
    return view


def _with_strides(cases):
    out = []
    for name, a, b in cases:
        for step in (3, -4, 0):
            sa = _strided(a, step)
            if sa is None:
                continue
            sb = b if b is None or step == 0 else _strided(b, step)
            out.append((f"{name}_stride{step:+}", sa, sb))
    return out


def _table(kind):
    base = {"square": _square_cases, "nonsquare": _nonsquare_cases, "hermitian": _hermitian_cases}[
        kind
    ]()
    plain = [c for c in base if c[0] not in ("0x0", "0x4", "4x0", "hempty")]
    empty = [c for c in base if c[0] in ("0x0", "0x4", "4x0", "hempty")]
    return {
        "plain": plain,
        "empty": empty,
        "generalized": _generalized(plain),
        "generalized_empty": _generalized(empty),
        "strided": _with_strides(plain[:6] + _generalized(plain[:2])),
    }


# ---- running NumPy and gpuad side by side ----------------------------------------------------


def _conv(x, how):
    xp = ad.get_backend().xp
    if isinstance(x, np.ndarray):
        if how == "tensor" and x.dtype.kind in "fc" and x.dtype.itemsize >= 4:
            return ad.tensor(xp.asarray(x), requires_grad=True)
        return xp.asarray(x) if x.dtype.isnative else x
    if isinstance(x, list) and x and all(isinstance(v, np.ndarray) for v in x):
        return [_conv(v, how) for v in x]
    return x


def _host(x):
    if isinstance(x, ad.Tensor) or hasattr(x, "get") or isinstance(x, np.ndarray):
        return to_numpy(x)
    return np.asarray(x)


def _parts(x):
    return tuple(x) if isinstance(x, tuple) else (x,)


def same(name, f, *args, post=None, tol=None, tensors=True):
    """``f(lib, *args)`` with NumPy's linalg and with gpuad's (on backend arrays, and on Tensors
    that require grad): the same error class, or results of the same dtypes, shapes and
    values. ``post`` maps each result part to a sign- or order-free form first."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want, werr = f(np.linalg, *args), None
        except Exception as e:  # noqa: BLE001 - the error class is what is compared
            want, werr = None, e
        for how in ("array", "tensor") if tensors else ("array",):
            try:
                got, gerr = f(NL, *[_conv(a, how) for a in args]), None
            except Exception as e:  # noqa: BLE001
                got, gerr = None, e
            if werr is not None or gerr is not None:
                assert werr is not None and gerr is not None and isinstance(gerr, type(werr)), (
                    name,
                    how,
                    werr,
                    gerr,
                )
                continue
            ws, gs = _parts(want), _parts(got)
            assert len(ws) == len(gs), (name, how)
            for wi, gi in zip(ws, gs, strict=True):
                wi, gi = np.asarray(wi), _host(gi)
                if post is not None:
                    wi, gi = post(wi), post(gi)
                assert (gi.dtype, gi.shape) == (wi.dtype, wi.shape), (
                    name,
                    how,
                    gi.dtype,
                    wi.dtype,
                    gi.shape,
                    wi.shape,
                )
                t = tol or (2e-4 if wi.dtype in (_F4, _C8) else 1e-9)
                np.testing.assert_allclose(
                    gi,
                    wi,
                    rtol=t,
                    atol=t * max(1, np.abs(wi).max(initial=0)),
                    err_msg=f"{name} {how}",
                )
    return want


def _abs(x):
    return np.abs(x)


def _sorted(x):
    return np.sort_complex(x.ravel()) if x.dtype.kind == "c" else np.sort(x.ravel())


def _grads(name, f, *args):
    """Reverse and forward mode against float64 central differences (double/cdouble inputs);
    float32/complex64 inputs: the gradient keeps the input's dtype."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    if not arrays or any(a.size == 0 or a.dtype.kind not in "fc" for a in arrays):
        return
    xp = ad.get_backend().xp
    if all(a.dtype.itemsize == 4 or a.dtype == _C8 for a in arrays):
        ts = [ad.tensor(xp.asarray(a), requires_grad=True) for a in args]
        out = f(*ts)
        gnp.sum(gnp.real(out)).backward()
        for t, a in zip(ts, args, strict=True):
            assert to_numpy(t.grad).dtype == a.dtype, (name, to_numpy(t.grad).dtype)
        return
    check_grads(
        f, tuple(xp.asarray(np.ascontiguousarray(a)) for a in args), order=1, modes=("rev", "fwd")
    )


# the case-driven classes: name -> (table kinds, NumPy-vs-gpuad call, post, differentiable f)
def _solve(L, a, b):
    return L.solve(a, b)


def _svd_parts(L, a):
    return L.svd(a, False)


def _lstsq(L, a, b):
    x, res, rank, sv = L.lstsq(a, b, rcond=None)
    return x, res, np.asarray(to_numpy(rank) if not isinstance(rank, int) else rank), sv


CASE_FUNCS = {
    "solve": (("square",), _solve, None, lambda a, b: NL.solve(a, b)),
    "inv": (("square",), lambda L, a, b: L.inv(a), None, lambda a: NL.inv(a)),
    "eigvals": (("square",), lambda L, a, b: L.eigvals(a), _sorted, None),
    "eig": (
        ("square",),
        lambda L, a, b: L.eig(a)[0],
        _sorted,
        lambda a: (lambda w, v: (v * w[..., None, :]) @ NL.inv(v))(*NL.eig(a)),
    ),
    "svd": (
        ("square",),
        lambda L, a, b: _svd_parts(L, a),
        _abs,
        lambda a: (lambda u, s, vh: (u * s[..., None, :]) @ vh)(*NL.svd(a, False)),
    ),
    "svd_hermitian": (("hermitian",), lambda L, a, b: L.svd(a, False, hermitian=True), _abs, None),
    "cond": (
        ("square",),
        lambda L, a, b: tuple(L.cond(a, p) for p in (None, 2, -2, 1, -1, INF, -INF, "fro")),
        None,
        lambda a: NL.cond(a, 1) + NL.cond(a, -2),
    ),
    "pinv": (("square", "nonsquare"), lambda L, a, b: L.pinv(a), None, lambda a: NL.pinv(a)),
    "pinv_hermitian": (
        ("hermitian",),
        lambda L, a, b: L.pinv(a, hermitian=True),
        None,
        lambda a: NL.pinv(a, hermitian=True),
    ),
    "det": (
        ("square",),
        lambda L, a, b: (L.det(a), *L.slogdet(a)),
        None,
        lambda a: NL.det(a) + NL.slogdet(a)[1],
    ),
    "lstsq": (
        ("square", "nonsquare"),
        lambda L, a, b: _lstsq(L, a, b),
        None,
        lambda a, b: NL.lstsq(a, b, rcond=None)[0],
    ),
    "eigvalsh": (
        ("hermitian",),
        lambda L, a, b: (L.eigvalsh(a, "L"), L.eigvalsh(a, "U")),
        None,
        lambda a: NL.eigvalsh(a, "U"),
    ),
    "eigh": (
        ("hermitian",),
        lambda L, a, b: (L.eigh(a)[0], L.eigh(a, "U")[0]),
        None,
        lambda a: (lambda w, v: (v * w[..., None, :]) @ gnp.conj(gnp.swapaxes(v, -1, -2)))(
            *NL.eigh(a)
        ),
    ),
}
PARTS = ("plain", "empty", "generalized", "generalized_empty", "strided")


def _lstsq_ok(a, b):
    """NumPy's lstsq takes single matrices only (its LinalgCase class uses no stacks)."""
    return np.ndim(a) == 2


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("fn", sorted(CASE_FUNCS))
def test_linalg_cases(backend, fn, part):
    kinds, call, post, _ = CASE_FUNCS[fn]
    n = 0
    for kind in kinds:
        for name, a, b in _table(kind)[part]:
            if fn == "lstsq" and not _lstsq_ok(a, b):
                continue
            if fn == "solve" and b is None:
                continue
            args = (a, b) if fn in ("solve", "lstsq") else (a, None)
            tol = 2e-3 if fn in ("pinv", "cond", "lstsq", "svd", "eig", "eigvals") else None
            same(f"{fn} {name}", call, *args, post=post, tol=tol)
            n += 1
    assert n or fn == "lstsq" and part.startswith("generalized"), (fn, part)


@pytest.mark.parametrize("fn", sorted(k for k, v in CASE_FUNCS.items() if v[3] is not None))
def test_linalg_case_gradients(backend, fn):
    """Reverse and forward mode on NumPy's cases: plain, stacked and strided."""
    kinds, _, _, f = CASE_FUNCS[fn]
    for kind in kinds:
        t = _table(kind)
        for name, a, b in t["plain"] + t["generalized"][::3] + t["strided"][::4]:
            if not isinstance(a, np.ndarray) or (fn == "lstsq" and not _lstsq_ok(a, b)):
                continue
            if fn == "lstsq" and a.shape[-2] < a.shape[-1]:
                continue  # minimum-norm solutions of wide systems: covered by pinv
            if fn in ("eigh", "eigvalsh", "pinv_hermitian") and a.dtype.kind == "c":
                # the gradient lives in the triangle read; compare on Hermitian directions
                g = (lambda f: lambda x: f((x + gnp.conj(gnp.swapaxes(x, -1, -2))) / 2))(f)
            else:
                g = f
            args = (a, b) if fn in ("solve", "lstsq") else (a,)
            _grads(f"{fn} {name}", g, *args)


@pytest.mark.parametrize("fn", sorted(k for k, v in CASE_FUNCS.items() if v[3] is not None))
def test_linalg_case_gradients_of_strided_tensors(backend, fn):
    """A Tensor made from a strided view (steps 3, -4, zero strides) gets the gradient of its
    contiguous copy."""
    kinds, _, _, f = CASE_FUNCS[fn]
    xp = ad.get_backend().xp
    n = 0
    for kind in kinds:
        for name, a, b in _table(kind)["strided"]:
            if not isinstance(a, np.ndarray) or a.size == 0:
                continue
            if fn == "lstsq" and (a.ndim != 2 or a.shape[-2] < a.shape[-1]):
                continue
            args = (a, b) if fn in ("solve", "lstsq") else (a,)

            def grads(arrays):
                ts = [ad.tensor(xp.asarray(x), requires_grad=True) for x in arrays]
                out = f(*ts)
                w = 1 + 0.5j if np.iscomplexobj(to_numpy(out)) else 1.0
                gnp.sum(gnp.real(out * w)).backward()
                return [to_numpy(t.grad) for t in ts]

            contiguous = grads([np.ascontiguousarray(x) for x in args])
            for g, c in zip(grads(args), contiguous, strict=True):
                np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-6, err_msg=f"{fn} {name}")
            n += 1
    assert n, fn


# ---- the per-class tests ----------------------------------------------------------------------

DTYPES = (_F4, _F8, _C8, _C16)
_X = np.array([[1, 0.5], [0.5, 1]])
_Y = np.array([[1, 0.5], [-1, 1]])
TYPE_CALLS = {
    "solve": lambda L, x, y: L.solve(x, x),
    "inv": lambda L, x, y: L.inv(x),
    "eigvals": lambda L, x, y: (L.eigvals(x), L.eigvals(y)),
    "eig": lambda L, x, y: (*L.eig(x), *L.eig(y)),
    "svd": lambda L, x, y: (*L.svd(x), L.svd(x, compute_uv=False)),
    "svd_hermitian": lambda L, x, y: (
        *L.svd(x, hermitian=True),
        L.svd(x, compute_uv=False, hermitian=True),
    ),
    "det": lambda L, x, y: (L.det(x), *L.slogdet(x)),
    "eigvalsh": lambda L, x, y: L.eigvalsh(x),
    "eigh": lambda L, x, y: L.eigh(x),
    "cond": lambda L, x, y: tuple(L.cond(x, p) for p in (1, -1, 2, -2, "fro", INF, -INF)),
}


@pytest.mark.parametrize("fn", sorted(TYPE_CALLS))
def test_types(backend, fn):
    for dt in DTYPES:
        post = _abs if fn.startswith(("svd", "eig")) else None
        same(f"{fn} {dt.__name__}", TYPE_CALLS[fn], _X.astype(dt), _Y.astype(dt), post=post)
    for dt in DTYPES:  # A (3, 3) matrix of TestCond.test_cond_dtypes
        a = np.array([[1.0, 0, 1], [0, -2.0, 0], [0, 0, 3.0]], dt)
        same(f"{fn} {dt.__name__} 3x3", TYPE_CALLS[fn], a, a, post=_abs)


ZERO_SIZE = {
    "solve": [
        lambda L, a, b: L.solve(a[:, 0:0, 0:0], b[:, 0:0, :]),
        lambda L, a, b: L.solve(a[:, 0:0, 0:1], b),
        lambda L, a, b: L.solve(a, b[:, 0:0, :]),
        lambda L, a, b: L.solve(a, b.reshape(1, 3, 2)),
        lambda L, a, b: L.solve(a[0:0], b.reshape(1, 3, 2)[0:0]),
        lambda L, a, b: L.solve(a[:, 0:0, 0:0], b.reshape(-1)[0:0]),
        lambda L, a, b: L.solve(a, b.reshape(-1)[:3].reshape(1, 3)),
        lambda L, a, b: L.solve(a[0:0], b.reshape(-1)[:3].reshape(1, 3)[0:0]),
        lambda L, a, b: L.solve(a[:, 0:0, 0:0], b.reshape(-1)[:3].reshape(1, 3)),
    ],
    "solve_k": [
        lambda L, a, b: L.solve(a[:1], b.reshape(3, 2, 1)[:, :, 0:0]),
        lambda L, a, b: L.solve(a[:1, 0:0, 0:0], b.reshape(3, 2, 1)[:, 0:0, 0:0]),
    ],
    **{
        f: [
            (lambda f: lambda L, a, b: getattr(L, f)(np.zeros((0, 1, 1), int)))(f),
            (lambda f: lambda L, a, b: getattr(L, f)(a.reshape(-1)[:0].reshape(0, 0)))(f),
            (lambda f: lambda L, a, b: getattr(L, f)(a[:1, :0, :0]))(f),
        ]
        for f in ("inv", "eigvals", "eig", "eigvalsh", "eigh", "cholesky", "det", "slogdet")
    },
}


@pytest.mark.parametrize("fn", sorted(ZERO_SIZE))
def test_0_size(backend, fn):
    for dt in (_F8, _C8):
        a = np.arange(8).reshape(2, 2, 2).astype(dt) + np.eye(2, dtype=dt)
        b = np.arange(6).reshape(1, 2, 3).astype(dt)
        for k, call in enumerate(ZERO_SIZE[fn]):
            same(f"{fn} {k} {dt.__name__}", call, a, b)
            if fn.startswith("solve") and k == 0:
                _grads(fn, lambda x, y: NL.solve(x[:, :1, :1], y[:, :1, :]), a, b)


def test_solve_1_d(backend):
    a = np.arange(8.0).reshape(2, 2, 2)
    for b in (np.arange(2.0), np.arange(4.0).reshape(2, 2), np.arange(2.0).reshape(1, 2)):
        same(f"solve b{b.shape}", _solve, a + 1j * np.eye(2), b)
        if b.ndim == 1:  # a stack of matrices and one vector: x of shape (2, 2)
            _grads("solve 1-d b", NL.solve, a + np.eye(2), b)


def test_svd_empty_identity(backend):
    for shape in ((4, 0), (0, 4)):
        x = np.empty(shape)
        same(f"svd {shape}", lambda L, x: L.svd(x, compute_uv=True), x)
        same(f"svd herm {shape}", lambda L, x: L.svd(x, compute_uv=True, hermitian=True), x)


def test_svdvals(backend):
    same("svdvals", lambda L, x: (L.svd(x, compute_uv=False), L.svdvals(x)), _X)
    same("svdvals herm", lambda L, x: L.svd(x, compute_uv=False, hermitian=True), _X)


def test_svd_hermitian_singular_and_non_square(backend):
    x = np.array([[1.0, 0], [0, 0]])
    same("svd herm singular", lambda L, x: L.svd(x, hermitian=True), x, post=_abs)
    for shape in ((3, 2), (2, 3, 2)):  # NumPy: LinAlgError (gpuad's Tensors once broadcast)
        for fn in ("svd", "pinv"):
            same(
                f"{fn} herm {shape}", lambda L, x: getattr(L, fn)(x, hermitian=True), np.ones(shape)
            )
    same(
        "svd herm uv=False",
        lambda L, x: L.svd(x, compute_uv=False, hermitian=True),
        np.ones((3, 2)),
    )
    same("pinv herm empty", lambda L, x: L.pinv(x, hermitian=True), np.ones((4, 0)))


def test_cond_basic_nonsvd_and_singular(backend):
    a = np.array([[1.0, 0, 1], [0, -2.0, 0], [0, 0, 3.0]])
    for z in (1, 1 + 1j):
        same("cond", lambda L, a: tuple(L.cond(a, p) for p in (INF, -INF, 1, -1, "fro")), a * z)
        _grads("cond", lambda x: NL.cond(x, INF) + NL.cond(x, "fro"), a * z)
    for m in (np.zeros((2, 2)), np.ones((2, 2))):  # arrays: NumPy's huge or infinite values
        for p in (None, 1, 2, "fro", -1, -2):
            with np.errstate(all="ignore"):
                got = _host(NL.cond(ad.get_backend().xp.asarray(m), p))
                want = np.linalg.cond(m, p)
            assert (got > 1e15) == (want > 1e15) and np.isnan(got) == np.isnan(want), (p, got)


def test_cond_nan_and_stacked_singular(backend):
    xp = ad.get_backend().xp
    a = np.ones((3, 2, 2))
    a[1, 0, 1] = np.nan
    rng = np.random.default_rng(1234)
    s = rng.random((2, 2, 2, 2))
    s[0, 0] = 0
    s[1, 1] = 0
    for p in (None, 1, -1, 2, -2, "fro"):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # NaN passes through (NumPy's test_nan, an expected failure there: its LAPACK's SVD
            # may refuse NaN), the singular ones of the stack stay huge or infinite
            if p in (None, 2, -2):
                same(f"cond nan {p}", lambda L, a: L.cond(a, p), a, tensors=False)
            else:
                c = _host(NL.cond(xp.asarray(a), p))
                assert np.isnan(c[1]) and not np.isnan(c[0]) and not np.isnan(c[2]), (p, c)
                assert p == -1 or (c[0] > 1e15 and c[2] > 1e15), (p, c)
            c = _host(NL.cond(xp.asarray(s), p))
            w = np.linalg.cond(s, p)
        assert c[0, 0] == w[0, 0] == INF and c[1, 1] == w[1, 1] == INF, p
        np.testing.assert_allclose(c[0, 1], w[0, 1], rtol=1e-9)
        np.testing.assert_allclose(c[1, 0], w[1, 0], rtol=1e-9)


def test_pinv_rtol_arg(backend):
    a = np.array([[1, 2, 3], [4, 1, 1], [2, 3, 1]])
    same("pinv rcond", lambda L, a: (L.pinv(a, rcond=0.5), L.pinv(a, rtol=0.5)), a)
    same("pinv both", lambda L, a: L.pinv(a, rcond=0.5, rtol=0.5), a)
    with pytest.raises(ValueError, match="can't be both set"):
        NL.pinv(ad.get_backend().xp.asarray(a), rcond=0.5, rtol=0.5)
    _grads("pinv rtol", lambda x: NL.pinv(x, rtol=0.01), a.astype(float))


def test_det_zero(backend):
    """NumPy returns a NumPy scalar here; gpuad a 0-d array of the same dtype and value."""
    for z in ([[0.0]], [[0.0j]], np.array([[0.0]]), np.array([[0.0j]])):
        want = same("det zero", lambda L, z: (L.det(z), *L.slogdet(z)), z)
        got = (NL.det(z), *NL.slogdet(z))
        for w, g in zip(want, got, strict=True):
            assert _host(g).shape == () and _host(g).dtype == np.asarray(w).dtype


def test_det_0_size(backend):
    for dt in (_C8, _F8):
        same("det 0x0", lambda L, a: (L.det(a), *L.slogdet(a)), np.zeros((0, 0), dt))


def test_lstsq_rcond(backend):
    a = np.array(
        [[0.0, 1, 0, 1, 2, 0], [0, 2, 0, 0, 1, 0], [1, 0, 1, 0, 0, 4], [0, 0, 0, 2, 3, 0]]
    ).T
    b = np.array([1, 0, 0, 0, 0, 0])
    xp = ad.get_backend().xp
    for kw, rank in (({"rcond": -1}, 4), ({}, 3), ({"rcond": None}, 3)):
        for x in (xp.asarray(a), ad.tensor(xp.asarray(a), requires_grad=True)):
            got = NL.lstsq(x, xp.asarray(b), **kw)[2]
            assert int(_host(got)) == rank == np.linalg.lstsq(a, b, **kw)[2], kw
    same("lstsq rcond None", lambda L, a, b: L.lstsq(a, b, rcond=None), a, b, tol=1e-7)


@pytest.mark.parametrize(
    "m, n, k", [(4, 2, 2), (0, 4, 1), (0, 4, 2), (4, 0, 1), (4, 0, 2), (4, 2, 0), (0, 0, 0)]
)
def test_lstsq_empty_a_b(backend, m, n, k):
    a = np.arange(m * n).reshape(m, n).astype(float) + np.eye(m, n)
    same("lstsq empty", _lstsq, a, np.ones((m, k)), tol=1e-7)
    _grads("lstsq empty", lambda x, y: NL.lstsq(x, y, rcond=None)[0], a, np.ones((m, k)))


def test_lstsq_incompatible_dims(backend):
    x = np.array([0.0, 1, 2, 3])
    a = np.vstack([x, np.ones(4)]).T
    same("lstsq dims", _lstsq, a, np.array([-1, 0.2, 0.9, 2.1, 3.3]))
    with pytest.raises(np.linalg.LinAlgError, match="(?i)incompatible dimensions"):
        NL.lstsq(ad.get_backend().xp.asarray(a), ad.get_backend().xp.ones(5), rcond=None)


# TestMatrixPower: every dtype gpuad has ('g', 'G' and 'O' are n/a: longdouble, object)
MP_DTYPES = "?bBhHiIqQefdFD"
_SHIFT = [np.eye(4)[p] for p in ([0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1], [1, 2, 3, 0])]
_STACKED = np.array([np.eye(4)] * 2)


@pytest.mark.parametrize("dt", list(MP_DTYPES))
def test_matrix_power(backend, dt):
    def mp(n):
        return lambda L, m: L.matrix_power(m, n)

    big = 2**100 + 2**10 + 2**5
    for k in range(4):
        same(f"large {k}", mp(big + k), _SHIFT[1].astype(dt))
    for m in _SHIFT + [_STACKED]:
        for n in (0, 1, 2, -1):
            same(f"power {n}", mp(n), m.astype(dt))
    for bad in (1.5, [1]):
        same(f"bad power {bad}", mp(bad), np.eye(4).astype(dt))
    for m in (np.array([1], dt), np.array([[1], [2]], dt), np.ones((4, 3, 2), dt)):
        same(f"non square {m.shape}", mp(1), m)
    same("not invertible", mp(-1), np.array([[1, 0], [0, 0]]).astype(dt))
    if dt in "dD":
        a = _SHIFT[1].astype(dt) * 0.9 + 0.05
        for n in (2, -1, 2**5 + 3):
            _grads(f"matrix_power {n}", lambda x: NL.matrix_power(x, n), a)


@pytest.mark.parametrize("fn", ["eigvalsh", "eigh"])
def test_eigh_invalid_and_uplo(backend, fn):
    x = np.array([[1, 0.5], [0.5, 1]], _F4)
    for uplo in ("lrong", "lower", "upper"):
        same(f"{fn} {uplo}", lambda L, x: getattr(L, fn)(x, UPLO=uplo), x)
        same(f"{fn} {uplo} positional", lambda L, x: getattr(L, fn)(x, uplo), x)
    klo = np.array([[0, 0], [1, 0]], _F8)
    for uplo, k in ((None, klo), ("L", klo), ("l", klo), ("U", klo.T), ("u", klo.T)):
        kw = {} if uplo is None else {"UPLO": uplo}
        same(f"{fn} {uplo}", lambda L, k: getattr(L, fn)(k, **kw), k, post=_abs)
        _grads(f"{fn} {uplo}", lambda a: NL.eigvalsh(a, **kw), k + np.diag([0.0, 3.0]))


# The norm classes: _TestNormGeneral and _TestNorm2D for double, single and int64
NORM_DTYPES = {"Double": _F8, "Single": _F4, "Int64": np.int64}


def _norm(*a, **k):
    return lambda L, x: L.norm(x, *a, **k)


def _norm_general(dt):
    yield "empty", _norm(), np.array([], dt)
    yield "empty list", _norm(), []
    yield "empty 2d", _norm(), np.atleast_2d(np.array([], dt))
    for t in np.typecodes["AllInteger"] + "efdFD":
        for o in (-INF, -1, 0, 1, 2, 4, INF):
            yield f"vector return {t} {o}", _norm(o), np.array([1, 0, 1]).astype(t)
    for v in ([1, 2, 3, 4], [-1, -2, -3, -4], [-1, 2, -3, 4]):
        for o in (None, INF, -INF, 1, -1, 2, -2, 0):
            yield f"vector {v} {o}", _norm(o), v
            yield f"vector {v} {o} {dt}", _norm(o), np.array(v, dt)
    a = np.array([[1, 2, 3], [4, 5, 6]], dt)
    for o in (None, -1, 0, 1, 2, 3, INF, -INF):
        for ax in (0, 1):
            yield f"axis {o} {ax}", _norm(o, ax), a
    b = np.arange(1, 25, dtype=dt).reshape(2, 3, 4)
    for o in (None, -2, 2, -1, 1, INF, -INF, "fro", "nuc"):
        for ax in itertools.product(range(-3, 3), repeat=2):
            yield f"axes {o} {ax}", _norm(o, ax), b
            yield f"axes keepdims {o} {ax}", _norm(o, ax, keepdims=True), b
    yield "keepdims all", _norm(None, None, keepdims=True), b
    for o in (None, -1, 0, 1, 2, 3, INF, -INF):
        for k in range(3):
            yield f"keepdims {o} {k}", _norm(o, k, keepdims=True), b


def _norm_2d(dt):
    yield "matrix empty", _norm(), np.array([[]], dt)
    m = np.array([[1, 0, 1], [0, 1, 1]])
    for t in np.typecodes["AllInteger"] + "fdFD":
        for o in (-INF, -1, 1, 2, -2, INF, "fro", "nuc"):
            yield f"matrix return {t} {o}", _norm(o), m.astype(t)
    a2 = np.array([[1, 3], [5, 7]], dt)
    a3 = (1 / 10) * np.array([[1, 2, 3], [6, 0, 5], [3, 2, 1]], dt)
    for o in (None, "fro", "nuc", INF, -INF, 1, -1, 2, -2, "nofro", -3, 0):
        yield f"2x2 {o}", _norm(o), a2
        yield f"3x3 {o}", _norm(o), a3
    a = np.array([[1, 2, 3], [4, 5, 6]], dt)
    b = np.arange(1, 25, dtype=dt).reshape(2, 3, 4)
    yield "bad fro axis", _norm("fro", 0), a
    yield "bad nuc axis", _norm("nuc", 0), a
    for o in ("fro", "nuc", "test"):
        yield f"bad vector {o}", _norm(o, None), [3, 4]
    for o in (0, 3):
        yield f"bad matrix {o}", _norm(o, None), a
        yield f"bad matrix {o} (0, 1)", _norm(o, (0, 1)), a
        yield f"bad matrix {o} (1, 2)", _norm(o, (1, 2)), b
    for ax in (3, (2, 3), (0, 1, 2)):
        yield f"bad axis {ax}", _norm(None, ax), b


@pytest.mark.parametrize("part", ["general", "2d"])
@pytest.mark.parametrize("cls", sorted(NORM_DTYPES))
def test_norm_classes(backend, cls, part):
    dt = NORM_DTYPES[cls]
    for name, call, x in (_norm_general if part == "general" else _norm_2d)(dt):
        same(f"norm {cls} {name}", call, x, tensors=cls != "Int64" and "return" not in name)
    if cls == "Double":  # derivatives of every ord over every axis pair of the 3-d array
        b = np.arange(1, 25, dtype=dt).reshape(2, 3, 4) ** 1.3
        for o in (None, -2, 2, -1, 1, INF, -INF, "fro", "nuc"):
            for ax in ((0, 1), (2, 0), (-1, -2)):
                _grads(f"norm {o} {ax}", lambda x: NL.norm(x, o, ax, keepdims=True), b)
        for o in (None, -1, 1, 2, 3, INF, -INF):
            _grads(f"vector norm {o}", lambda x: NL.norm(x, o, 1), b + 1j * b[::-1])


def test_norm_intmin_and_complex_high_ord(backend):
    same("intmin", _norm(3), np.array([-(2**31)], np.int32))
    for dt in (_C16, _C8):
        d = np.array([6 + 7j, -6 + 7j], dt)
        same(f"complex ord 3 {dt.__name__}", _norm(3), d)
        if dt == _C16:
            _grads("complex ord 3", lambda x: NL.norm(x, 3), d)


def test_norm_overflow_is_numpys(backend):
    """NumPy 2.4 (the peer) sums squares without rescaling, so 1e200 overflows to inf and 1e-200
    underflows to 0; gpuad gives the same numbers (NumPy's later rescaling is not followed)."""
    xs = [
        np.array([600, 800], np.float16),
        np.array([1e200, 1e200]),
        np.array([[1e200, 1e200]]),
        np.array([1e200 + 1e200j]),
        np.array([1e-200, 1e-200]),
        np.array([1e-30, 1e-30], _F4),
        np.array([np.inf, 1.0]),
        np.array([np.nan, 1.0]),
        np.zeros(5),
        np.array([], _F8),
    ]
    for x in xs:
        same(f"overflow {x}", _norm(), x)
    assert float(_host(NL.norm(ad.get_backend().xp.asarray([3.0, 4.0])))) == 5.0


def test_norm_object_arrays_refused(backend):
    """Object arrays (NumPy's gh-7575 test) have no gpuad counterpart: refused, not guessed."""
    v = np.array([np.array([0, 1]), 0, 0], dtype=object)
    with pytest.raises((TypeError, ValueError)):
        NL.norm(v)


def test_matrix_rank(backend):
    eye3 = np.eye(4)
    eye3[-1, -1] = 0
    for m in (
        np.eye(4),
        eye3,
        np.zeros((4, 4)),
        [1, 0, 0, 0],
        np.zeros(4),
        [1],
        np.array([eye3, np.eye(4), np.zeros((4, 4))]),
        1,
        np.ones((4, 4)),
    ):
        same("matrix_rank", lambda L, m: L.matrix_rank(m), m)
        if np.ndim(m) >= 2:
            same("matrix_rank herm", lambda L, m: L.matrix_rank(m, hermitian=True), m)
    same("tol and rtol", lambda L, m: L.matrix_rank(m, tol=0.01, rtol=0.01), eye3)
    tiny = np.eye(4)
    tiny[-1, -1] = 1e-8
    for tol in (0.99e-8, 1.01e-8):
        same(f"tol {tol}", lambda L, m: L.matrix_rank(m, hermitian=True, tol=tol), tiny)


def test_reduced_rank(backend):
    rng = np.random.RandomState(20120714)
    for _ in range(10):
        x = rng.normal(size=(40, 10))
        x[:, 0] = x[:, 1] + x[:, 2]
        same("rank 9", lambda L, x: L.matrix_rank(x), x)
        x[:, 3] = x[:, 4] + x[:, 5]
        same("rank 8", lambda L, x: L.matrix_rank(x), x)


def test_empty_matrix_rank_and_rtol_argument(backend):
    for s in ((0, 0), (0, 5), (5, 0), (0, 5, 5), (3, 0, 5), (2, 5, 0), (2, 3, 0, 4)):
        same(f"rank {s}", lambda L, x: L.matrix_rank(x), np.zeros(s))
    for rtol in (0.0, [0.0] * 4, np.zeros(4)):
        same(
            "rank rtol",
            lambda L, x: L.matrix_rank(x, rtol=rtol),
            np.zeros((4, 3, 2)),
            tensors=False,
        )


def _qr_all(L, a):
    q, r = L.qr(a, "complete")
    q1, r1 = L.qr(a, "reduced")
    return q, r, q1, r1, L.qr(a, "r")


def _check_qr_tensor(a):
    """gpuad's factors on a Tensor: Q^H Q = I, R upper triangular, Q R = a (NumPy's checks)."""
    xp = ad.get_backend().xp
    x = ad.tensor(xp.asarray(a), requires_grad=True)
    for mode in ("complete", "reduced"):
        q, r = NL.qr(x, mode)
        q, r = to_numpy(q), to_numpy(r)
        k = q.shape[-1]
        np.testing.assert_allclose(
            np.swapaxes(q, -1, -2).conj() @ q,
            np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)),
            atol=1e-4 if a.dtype in (_F4, _C8) else 1e-10,
        )
        np.testing.assert_allclose(np.triu(r), r)
        np.testing.assert_allclose(q @ r, a, atol=1e-4 if a.dtype in (_F4, _C8) else 1e-10)


@pytest.mark.parametrize("m, n", [(3, 0), (0, 3), (0, 0)])
def test_qr_empty(backend, m, n):
    a = np.empty((m, n))
    same("qr empty", _qr_all, a)
    same("qr empty raw", lambda L, a: L.qr(a, "raw"), a, tensors=False)
    _check_qr_tensor(a)


def test_qr_mode_raw_and_all_but_economic(backend):
    a = np.array([[1, 2], [3, 4], [5, 6]], _F8)
    for x in (a, a.T):
        same("raw", lambda L, x: L.qr(x, "raw"), x, tensors=False)
    with pytest.raises(ad.MissingRuleError, match="raw"):
        NL.qr(ad.tensor(ad.get_backend().xp.asarray(a), requires_grad=True), "raw")
    sq, tall = np.array([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4], [5, 6]])
    for dt in "fd":
        for m in (sq, tall, tall.T):
            for x in (m.astype(dt), 1 + 1j * m.astype(dt)):
                same(f"qr {x.dtype} {x.shape}", _qr_all, x, post=_abs)
                _check_qr_tensor(x)
                _grads("qr", lambda y: (lambda q, r: q @ r)(*NL.qr(y)), x)


@pytest.mark.parametrize("dt", DTYPES)
def test_qr_stacked_inputs(backend, dt):
    rng = np.random.default_rng(123)
    for size, outer in zip(
        [(3, 4), (4, 3), (4, 4), (3, 0), (0, 3)],
        [(2, 2), (2,), (2, 3, 4), (2,), (2, 2)],
        strict=True,
    ):
        a = rng.normal(size=outer + size).astype(dt)
        b = rng.normal(size=outer + size).astype(dt)
        for k, x in enumerate((a, a + 1j * b)):
            same(f"qr stacked {x.shape}", _qr_all, x, post=_abs)
            _check_qr_tensor(x)
            # a real matrix stored as complex sits where LAPACK's choice of R's last diagonal
            # entry jumps (it reflects only when the entry is not real), so there R itself is
            # checked along real directions and the gauge-free Q R along complex ones
            _grads("qr stacked", lambda y: NL.qr(y, "r"), x if k or dt in (_F4, _F8) else a.real)
            _grads("qr stacked", lambda y: (lambda q, r: q @ r)(*NL.qr(y)), x)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_basic_property(backend, upper):
    rng = np.random.default_rng(1)
    for shape in ((1, 1), (2, 2), (3, 3), (50, 50), (3, 10, 10)):
        for dt in DTYPES:
            a = rng.standard_normal(shape)
            if np.dtype(dt).kind == "c":
                a = a + 1j * rng.standard_normal(shape)
            a = (np.swapaxes(a, -1, -2).conj() @ a + np.eye(shape[-1])).astype(dt)
            c = same(
                f"cholesky {shape} {dt.__name__}",
                lambda L, a: L.cholesky(a, upper=upper),
                a,
                tol=1e-3 if shape == (50, 50) else None,
            )
            assert np.all(np.diagonal(c, 0, -2, -1).real > 0)
            if shape[-1] <= 3:
                _grads(
                    "cholesky",
                    lambda x: NL.cholesky((x + gnp.conj(gnp.swapaxes(x, -1, -2))) / 2, upper=upper),
                    a,
                )


def test_cholesky_0_size_and_upper_lower_arg(backend):
    same("cholesky 0", lambda L, a: L.cholesky(a), np.zeros((0, 1, 1), int))
    same("cholesky 0 c64", lambda L, a: L.cholesky(a), np.zeros((1, 0, 0), _C8))
    a = np.array([[1 + 0j, 0 - 2j], [0 + 2j, 5 + 0j]])
    same(
        "upper",
        lambda L, a: (L.cholesky(a), L.cholesky(a, upper=False), L.cholesky(a, upper=True)),
        a,
    )
    for upper in (True, False):  # NumPy's regression gh-25840
        same("empty", lambda L, a: L.cholesky(a, upper=upper), np.zeros((0, 0)))


def test_outer(backend):
    same("outer", lambda L, a: L.outer(a, a), np.arange(3))
    same("outer float", lambda L, a: L.outer(a, a * 2), np.arange(3.0))
    same("outer 2-d", lambda L, a: L.outer(a[:, None], a), np.arange(3.0))
    _grads("outer", NL.outer, np.arange(3.0) + 1j, np.arange(4.0))


def test_byteorder_check(backend):
    for dt in (_F4, _F8):
        arr = np.eye(4, dtype=dt) * 2
        swapped = arr.view(arr.dtype.newbyteorder("S")).byteswap()
        native = arr.view(arr.dtype.newbyteorder("="))
        for fn in ("inv", "det", "pinv"):
            for x in (arr, native, swapped):
                same(f"{fn} {x.dtype.byteorder}", lambda L, x: getattr(L, fn)(x), x)


def test_generalized_raise_multiloop(backend):
    x = np.zeros([4, 4, 2, 2])[1::2]
    x[...] = np.array([[1, 2], [3, 4]])
    x[0, 0] = np.array([[1, 1], [1, 1]])
    same("inv multiloop", lambda L, x: L.inv(x), x)


_MD = [np.random.default_rng(5).random(s) for s in ((6, 2), (2, 6), (6, 2), (2, 1), (2,), (2, 2))]


@pytest.mark.parametrize(
    "case", ["three", "two", "four", "vector_first", "vector_last", "vector_both", "too_few"]
)
def test_multi_dot(backend, case):
    a, b, c, d, v, sq = _MD
    args = {
        "three": (a, b, c),
        "two": (a, b),
        "four": (a, b, c, d),
        "vector_first": (v, b, c, sq),
        "vector_last": (a, b, c, v),
        "vector_both": (v, b, c, v),
        "too_few": (sq,),
    }[case]
    same(case, lambda L, *xs: L.multi_dot(list(xs)), *args)
    if case == "too_few":
        same("empty list", lambda L: L.multi_dot([]))
    else:
        _grads(case, lambda *xs: NL.multi_dot(list(xs)), *args)


def test_multi_dot_out(backend):
    """``out=`` as NumPy's: the product is written into ``out``, which is returned; a Tensor
    being recorded into a plain array raises (its gradient would be dropped)."""
    xp = ad.get_backend().xp
    a, b, c = (xp.asarray(x) for x in _MD[:3])
    want = np.linalg.multi_dot(list(_MD[:3]))
    for args in ([a, b, c], [a, b]):
        ref = np.linalg.multi_dot([np.asarray(_MD[k]) for k in range(len(args))])
        out = xp.zeros(ref.shape)
        got = NL.multi_dot(args, out=out)
        assert got is out
        np.testing.assert_allclose(to_numpy(out), ref, rtol=1e-13)
    t = ad.tensor(a, requires_grad=True)
    with pytest.raises(TypeError, match="out="):
        NL.multi_dot([t, b, c], out=xp.zeros(want.shape))


def test_tensorinv(backend):
    for arr, ind in ((np.ones((4, 6, 8, 2)), 2), (np.ones((3, 3, 2)), 1)):
        same("tensorinv non square", lambda L, a: L.tensorinv(a, ind=ind), arr)
    for shape, ind in (((4, 6, 8, 3), 2), ((24, 8, 3), 1)):
        same("tensorinv shape", lambda L, a: L.tensorinv(a=a, ind=ind), np.eye(24).reshape(shape))
    for ind in (0, -2):
        same(
            "tensorinv ind",
            lambda L, a: L.tensorinv(a=a, ind=ind),
            np.eye(24).reshape((4, 6, 8, 3)),
        )
    a = np.eye(24).reshape((24, 8, 3))
    same(
        "tensorinv result",
        lambda L, a, b: (L.tensordot(L.tensorinv(a, ind=1), b, 1), L.tensorsolve(a, b)),
        a,
        np.ones(24),
    )
    _grads("tensorinv", lambda x: NL.tensorinv(x, ind=1), a * 2 + 0.01)


def test_tensorsolve(backend):
    for a, axes in ((np.ones((4, 6, 8, 2)), None), (np.ones((3, 3, 2)), (0, 2))):
        same(
            "tensorsolve non square",
            lambda L, a, b: L.tensorsolve(a, b, axes=axes),
            a,
            np.ones(a.shape[:2]),
        )
    rng = np.random.default_rng(3)
    for shape in ((2, 3, 6), (3, 4, 4, 3), (0, 3, 3, 0)):
        a = rng.standard_normal(shape)
        if shape == (3, 4, 4, 3):
            a = a + 3 * np.eye(12).reshape(shape)
        same(
            f"tensorsolve {shape}",
            lambda L, a, b: L.tensorsolve(a, b),
            a,
            np.ones(a.shape[:2]),
            tol=1e-7,
        )
        _grads("tensorsolve", NL.tensorsolve, a, np.ones(a.shape[:2]))


def test_unsupported_commontype(backend):
    arr = np.array([[1, -2], [2, 5]], dtype="float16")
    same("cholesky float16", lambda L, a: L.cholesky(a), arr)
    with pytest.raises(TypeError, match="unsupported in linalg"):
        NL.cholesky(ad.get_backend().xp.asarray(arr))


ARRAY_API = {
    "diagonal": (lambda L, x: L.diagonal(x), np.arange(60).reshape(3, 4, 5)),
    "trace": (lambda L, x: L.trace(x), np.arange(60).reshape(3, 4, 5)),
    "cross": (
        lambda L, x: (L.cross(x, x + 1), L.cross([1, 2, 3], [4, 5, 6])),
        np.arange(9).reshape(3, 3),
    ),
    "cross_2_dim": (lambda L, x: L.cross(x[:, 1:], x[:, 1:]), np.arange(9.0).reshape(3, 3)),
    "tensordot": (
        lambda L, x: (L.tensordot(x, x), L.tensordot(x, x, axes=[(0, 1), (0, 1)])),
        np.arange(6).reshape(2, 3),
    ),
    "matmul": (lambda L, x: L.matmul(x, x.T), np.arange(6).reshape(2, 3)),
    "matrix_transpose": (lambda L, x: L.matrix_transpose(x), np.arange(6).reshape(2, 3)),
    "matrix_transpose_1d": (lambda L, x: L.matrix_transpose(x[:, 0]), np.arange(6).reshape(2, 3)),
    "matrix_norm": (
        lambda L, x: (L.matrix_norm(x), L.matrix_norm(x, keepdims=True)),
        np.arange(9).reshape(3, 3),
    ),
    "vector_norm": (
        lambda L, x: (L.vector_norm(x), L.vector_norm(x, axis=0), L.vector_norm(x, keepdims=True)),
        np.arange(9).reshape(3, 3),
    ),
}


@pytest.mark.parametrize("fn", sorted(ARRAY_API))
def test_array_api_functions(backend, fn):
    call, x = ARRAY_API[fn]
    for y in (x, x.astype(_F8), x.astype(_F4)):
        same(f"{fn} {y.dtype}", call, y)
    if fn not in ("cross_2_dim", "matrix_transpose_1d"):
        xf = x.astype(_F8) + 0.5
        if fn == "matrix_transpose":
            _grads(fn, NL.matrix_transpose, xf)
        else:
            _grads(
                fn, lambda y: call(NL, y)[0] if isinstance(call(NL, y), tuple) else call(NL, y), xf
            )


def test_matrix_and_vector_norm_empty(backend):
    for shape in ((0, 2), (2, 0), (0, 0)):
        for dt in (_F8, _F4, np.int32):
            for o in ("fro", "nuc", 1, 2, INF):
                same(
                    f"matrix_norm {shape} {o}",
                    lambda L, x: L.matrix_norm(x, ord=o),
                    np.zeros(shape, dt),
                )
    for dt in (_F8, _F4, np.int32):
        for o in (1, 2, INF):
            same(f"vector_norm {o}", lambda L, x: L.vector_norm(x, ord=o), np.zeros(0, dt))


# ---- test_regression.py -----------------------------------------------------------------------


def test_regressions_eig_eigh_svd_build(backend):
    a = np.arange(13 * 13, dtype=_F8).reshape(13, 13) % 17
    same("eig build", lambda L, a: L.eigvals(a), a, post=_sorted, tol=1e-7)
    cov = np.array(
        [
            [77.70273908, 3.51489954, 15.64602427],
            [3.51489954, 88.97013878, -1.07431931],
            [15.64602427, -1.07431931, 98.18223512],
        ]
    )
    same("eigh build", lambda L, a: L.eigh(a), cov, post=_abs)
    _grads("eigh build", lambda x: NL.eigvalsh(x), cov)
    x = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.0, 1.0]])
    for y in (x, ad.tensor(ad.get_backend().xp.asarray(x), requires_grad=True)):
        u = to_numpy(NL.svd(y)[0])
        np.testing.assert_allclose(u[:, 2:].T @ x, np.zeros((2, 2)), atol=1e-12)


def test_regressions_svd_no_uv_and_large_svd(backend):
    for shape in ((3, 4), (4, 4), (4, 3)):
        for t in (float, complex):
            a = np.ones(shape, dtype=t)
            same(
                "svd no uv",
                lambda L, a: (
                    L.svd(a, compute_uv=False),
                    L.matrix_rank(a),
                    L.norm(a, ord=2),
                    L.svdvals(a),
                ),
                a,
            )
    same("large svd", lambda L, a: L.svd(a, compute_uv=False), np.eye(1000, 66))
    u = NL.svd(ad.get_backend().xp.asarray(np.eye(300, 66)))[0]
    assert u.shape == (300, 300)


def test_regressions_lstsq_complex_larger_rhs(backend):
    rng = np.random.default_rng(9891)
    g = rng.standard_normal((20, 20)) + 1j * rng.standard_normal((20, 20)) + 5 * np.eye(20)
    u = rng.standard_normal((20, 70)) + 1j * rng.standard_normal((20, 70))
    same("lstsq larger rhs", lambda L, g, b: L.lstsq(g, b, rcond=None)[0], g, g @ u, tol=1e-7)


def test_regressions_matmul_large(backend):
    x = np.arange(50000, dtype=_F8)
    src = np.vstack((x, -10 * x)).T
    same("matmul", lambda L, s, m: L.matmul(s, m), src, np.array([[0.0, 1], [1, 0]]))


# ---- the map -----------------------------------------------------------------------------------

_SQ = (
    "test_sq_cases",
    "test_empty_sq_cases",
    "test_generalized_sq_cases",
    "test_generalized_empty_sq_cases",
)
_NSQ = (
    "test_nonsq_cases",
    "test_empty_nonsq_cases",
    "test_generalized_nonsq_cases",
    "test_generalized_empty_nonsq_cases",
)
_HERM = (
    "test_herm_cases",
    "test_empty_herm_cases",
    "test_generalized_herm_cases",
    "test_generalized_empty_herm_cases",
)
_PART = (
    dict(zip(_SQ, PARTS[:4], strict=True))
    | dict(zip(_NSQ, PARTS[:4], strict=True))
    | dict(zip(_HERM, PARTS[:4], strict=True))
)


def _case_rows(cls, fn, methods):
    return tuple(
        (
            cls,
            m,
            f"here: test_linalg_cases[{fn}-{_PART[m]}]; test_linalg_cases["
            f"{fn}-strided]"
            + (
                f"; test_linalg_case_gradients[{fn}]; "
                f"test_linalg_case_gradients_of_strided_tensors[{fn}]"
                if CASE_FUNCS[fn][3] is not None
                else ""
            ),
        )
        for m in methods
    )


_NORM_GENERAL = (
    "test_empty",
    "test_vector_return_type",
    "test_vector",
    "test_axis",
    "test_keepdims",
)
_NORM_2D = (
    "test_matrix_empty",
    "test_matrix_return_type",
    "test_matrix_2x2",
    "test_matrix_3x3",
    "test_bad_args",
)
_NO_PEER = "n/a: NumPy's LAPACK build (its xerbla handler, 64-bit BLAS integers, huge sizes)"

GAPS = (
    *_case_rows("TestSolve", "solve", _SQ),
    ("TestSolve", "test_types", "here: test_types[solve]"),
    ("TestSolve", "test_1_d", "here: test_solve_1_d"),
    ("TestSolve", "test_0_size", "here: test_0_size[solve]"),
    ("TestSolve", "test_0_size_k", "here: test_0_size[solve_k]"),
    *_case_rows("TestInv", "inv", _SQ),
    ("TestInv", "test_types", "here: test_types[inv]"),
    ("TestInv", "test_0_size", "here: test_0_size[inv]"),
    *_case_rows("TestEigvals", "eigvals", _SQ),
    ("TestEigvals", "test_types", "here: test_types[eigvals]"),
    ("TestEigvals", "test_0_size", "here: test_0_size[eigvals]"),
    *_case_rows("TestEig", "eig", _SQ),
    ("TestEig", "test_types", "here: test_types[eig]"),
    ("TestEig", "test_0_size", "here: test_0_size[eig]"),
    *_case_rows("TestSVD", "svd", _SQ),
    ("TestSVD", "test_types", "here: test_types[svd]"),
    ("TestSVD", "test_empty_identity", "here: test_svd_empty_identity"),
    ("TestSVD", "test_svdvals", "here: test_svdvals"),
    *_case_rows("TestSVDHermitian", "svd_hermitian", _HERM),
    ("TestSVDHermitian", "test_types", "here: test_types[svd_hermitian]"),
    ("TestSVDHermitian", "test_singular", "here: test_svd_hermitian_singular_and_non_square"),
    *_case_rows("TestCond", "cond", _SQ),
    ("TestCond", "test_basic_nonsvd", "here: test_cond_basic_nonsvd_and_singular"),
    ("TestCond", "test_cond_dtypes", "here: test_types[cond]"),
    (
        "TestCond",
        "test_singular",
        "differs: on a Tensor being differentiated, cond(x, p) of a singular matrix raises "
        "LinAlgError for p in 1, -1, inf, -inf, 'fro', 'nuc' (inf has no derivative); "
        "here: test_cond_basic_nonsvd_and_singular; " + SUITE + "test_differences_listed",
    ),
    ("TestCond", "test_nan", "here: test_cond_nan_and_stacked_singular"),
    ("TestCond", "test_stacked_singular", "here: test_cond_nan_and_stacked_singular"),
    *_case_rows("TestPinv", "pinv", _SQ + _NSQ),
    *_case_rows("TestPinvHermitian", "pinv_hermitian", _HERM),
    ("<module>", "test_pinv_rtol_arg", "here: test_pinv_rtol_arg"),
    *_case_rows("TestDet", "det", _SQ),
    (
        "TestDet",
        "test_zero",
        "differs: det/slogdet give a 0-d array of NumPy's dtype, not a NumPy scalar (as CuPy); "
        "here: test_det_zero",
    ),
    ("TestDet", "test_types", "here: test_types[det]"),
    ("TestDet", "test_0_size", "here: test_det_0_size"),
    *_case_rows("TestLstsq", "lstsq", _SQ[:2] + _NSQ[:2]),
    ("TestLstsq", "test_rcond", "here: test_lstsq_rcond"),
    ("TestLstsq", "test_empty_a_b", "here: test_lstsq_empty_a_b"),
    ("TestLstsq", "test_incompatible_dims", "here: test_lstsq_incompatible_dims"),
    *(
        ("TestMatrixPower", m, "here: test_matrix_power[d]; test_matrix_power[D]")
        for m in (
            "test_large_power",
            "test_power_is_zero",
            "test_power_is_one",
            "test_power_is_two",
            "test_power_is_minus_one",
            "test_exceptions_bad_power",
            "test_exceptions_non_square",
            "test_exceptions_not_invertible",
        )
    ),
    *_case_rows("TestEigvalshCases", "eigvalsh", _HERM),
    ("TestEigvalsh", "test_types", "here: test_types[eigvalsh]"),
    ("TestEigvalsh", "test_invalid", "here: test_eigh_invalid_and_uplo[eigvalsh]"),
    ("TestEigvalsh", "test_UPLO", "here: test_eigh_invalid_and_uplo[eigvalsh]"),
    ("TestEigvalsh", "test_0_size", "here: test_0_size[eigvalsh]"),
    *_case_rows("TestEighCases", "eigh", _HERM),
    ("TestEigh", "test_types", "here: test_types[eigh]"),
    ("TestEigh", "test_invalid", "here: test_eigh_invalid_and_uplo[eigh]"),
    ("TestEigh", "test_UPLO", "here: test_eigh_invalid_and_uplo[eigh]"),
    ("TestEigh", "test_0_size", "here: test_0_size[eigh]"),
    *(
        (f"TestNorm{c}", m, f"here: test_norm_classes[{c}-general]")
        for c in NORM_DTYPES
        for m in _NORM_GENERAL
    ),
    *(
        (f"TestNorm{c}", m, f"here: test_norm_classes[{c}-2d]")
        for c in NORM_DTYPES
        for m in _NORM_2D
    ),
    ("TestNorm_NonSystematic", "test_longdouble_norm", "n/a: longdouble has no gpuad dtype"),
    ("TestNorm_NonSystematic", "test_intmin", "here: test_norm_intmin_and_complex_high_ord"),
    (
        "TestNorm_NonSystematic",
        "test_complex_high_ord",
        "here: test_norm_intmin_and_complex_high_ord (clongdouble n/a)",
    ),
    (
        "TestNorm_NonSystematic",
        "test_overflow",
        "differs: sums of squares are not rescaled, as in NumPy 2.4, the peer installed (a later "
        "NumPy rescales); here: test_norm_overflow_is_numpys",
    ),
    ("TestMatrixRank", "test_matrix_rank", "here: test_matrix_rank"),
    ("TestMatrixRank", "test_symmetric_rank", "here: test_matrix_rank"),
    ("<module>", "test_reduced_rank", "here: test_reduced_rank"),
    ("TestQR", "test_qr_empty", "here: test_qr_empty"),
    (
        "TestQR",
        "test_mode_raw",
        "differs: qr(mode='raw') of a Tensor being differentiated raises MissingRuleError; "
        "here: test_qr_mode_raw_and_all_but_economic",
    ),
    ("TestQR", "test_mode_all_but_economic", "here: test_qr_mode_raw_and_all_but_economic"),
    ("TestQR", "test_stacked_inputs", "here: test_qr_stacked_inputs"),
    ("TestCholesky", "test_basic_property", "here: test_cholesky_basic_property"),
    ("TestCholesky", "test_0_size", "here: test_cholesky_0_size_and_upper_lower_arg"),
    ("TestCholesky", "test_upper_lower_arg", "here: test_cholesky_0_size_and_upper_lower_arg"),
    ("TestOuter", "<class body>", "here: test_outer"),
    ("<module>", "test_byteorder_check", "here: test_byteorder_check"),
    ("<module>", "test_generalized_raise_multiloop", "here: test_generalized_raise_multiloop"),
    ("<module>", "test_xerbla_override", _NO_PEER),
    (
        "<module>",
        "test_sdot_bug_8577",
        "n/a: a macOS BLAS loaded by other libraries in a subprocess",
    ),
    ("TestMultiDot", "test_basic_function_with_three_arguments", "here: test_multi_dot[three]"),
    ("TestMultiDot", "test_basic_function_with_two_arguments", "here: test_multi_dot[two]"),
    (
        "TestMultiDot",
        "test_basic_function_with_dynamic_programming_optimization",
        "here: test_multi_dot[four]",
    ),
    ("TestMultiDot", "test_vector_as_first_argument", "here: test_multi_dot[vector_first]"),
    ("TestMultiDot", "test_vector_as_last_argument", "here: test_multi_dot[vector_last]"),
    ("TestMultiDot", "test_vector_as_first_and_last_argument", "here: test_multi_dot[vector_both]"),
    *(
        (
            "TestMultiDot",
            m,
            "here: test_multi_dot_out",
        )
        for m in (
            "test_three_arguments_and_out",
            "test_two_arguments_and_out",
            "test_dynamic_programming_optimization_and_out",
        )
    ),
    (
        "TestMultiDot",
        "test_dynamic_programming_logic",
        "n/a: NumPy's private _multi_dot_matrix_chain_order cost table",
    ),
    ("TestMultiDot", "test_too_few_input_arrays", "here: test_multi_dot[too_few]"),
    ("TestTensorinv", "test_non_square_handling", "here: test_tensorinv"),
    ("TestTensorinv", "test_tensorinv_shape", "here: test_tensorinv"),
    ("TestTensorinv", "test_tensorinv_ind_limit", "here: test_tensorinv"),
    ("TestTensorinv", "test_tensorinv_result", "here: test_tensorinv"),
    ("TestTensorsolve", "test_non_square_handling", "here: test_tensorsolve"),
    ("TestTensorsolve", "test_tensorsolve_result", "here: test_tensorsolve"),
    ("<module>", "test_unsupported_commontype", "here: test_unsupported_commontype"),
    ("<module>", "test_blas64_dot", _NO_PEER),
    ("<module>", "test_blas64_geqrf_lwork_smoketest", _NO_PEER),
    ("<module>", "test_diagonal", "here: test_array_api_functions[diagonal]"),
    ("<module>", "test_trace", "here: test_array_api_functions[trace]"),
    (
        "<module>",
        "test_cross",
        "here: test_array_api_functions[cross]; test_array_api_functions[cross_2_dim]",
    ),
    ("<module>", "test_tensordot", "here: test_array_api_functions[tensordot]"),
    ("<module>", "test_matmul", "here: test_array_api_functions[matmul]"),
    (
        "<module>",
        "test_matrix_transpose",
        "here: test_array_api_functions[matrix_transpose]; "
        "test_array_api_functions[matrix_transpose_1d]",
    ),
    ("<module>", "test_matrix_norm", "here: test_array_api_functions[matrix_norm]"),
    ("<module>", "test_matrix_norm_empty", "here: test_matrix_and_vector_norm_empty"),
    ("<module>", "test_vector_norm", "here: test_array_api_functions[vector_norm]"),
    ("<module>", "test_vector_norm_empty", "here: test_matrix_and_vector_norm_empty"),
    ("<module>", "test_empty_matrix_rank", "here: test_empty_matrix_rank_and_rtol_argument"),
    # test_regression.py
    ("TestRegression", "test_eig_build", "here: test_regressions_eig_eigh_svd_build"),
    ("TestRegression", "test_eigh_build", "here: test_regressions_eig_eigh_svd_build"),
    ("TestRegression", "test_svd_build", "here: test_regressions_eig_eigh_svd_build"),
    ("TestRegression", "test_norm_vector_badarg", SWEEPS),
    ("TestRegression", "test_lapack_endian", SWEEPS),
    ("TestRegression", "test_large_svd_32bit", "here: test_regressions_svd_no_uv_and_large_svd"),
    ("TestRegression", "test_svd_no_uv", "here: test_regressions_svd_no_uv_and_large_svd"),
    (
        "TestRegression",
        "test_norm_object_array",
        "differs: object arrays have no gpuad dtype and are refused; "
        "here: test_norm_object_arrays_refused",
    ),
    (
        "TestRegression",
        "test_lstsq_complex_larger_rhs",
        "here: test_regressions_lstsq_complex_larger_rhs",
    ),
    (
        "TestRegression",
        "test_cholesky_empty_array",
        "here: test_cholesky_0_size_and_upper_lower_arg",
    ),
    (
        "TestRegression",
        "test_matrix_rank_rtol_argument",
        "here: test_empty_matrix_rank_and_rtol_argument",
    ),
    ("TestRegression", "test_openblas_threading", "here: test_regressions_matmul_large"),
)

# methods per class, counted from the upstream files: the LinalgCase classes inherit 4 (square,
# hermitian) or 8 (square and non-square, pinv) or 4 (lstsq: non-generalized only)
UPSTREAM_COUNT = (
    8
    + 6
    + 6
    + 6
    + 7
    + 6
    + 9
    + 8
    + 4
    + 1
    + 7
    + 7
    + 8
    + 4
    + 4
    + 4
    + 4
    + 30
    + 4
    + 2
    + 1
    + 4
    + 3
    + 1
    + 4
    + 11
    + 4
    + 2
    + 14
    + 12
)


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == UPSTREAM_COUNT == 191
    here = Path(__file__).parent
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        for fn, param in re.findall(
            r"(test_\w+)(?:\[([\w-]+)\])?", where.split("covered:")[0] if "here:" in where else ""
        ):
            assert fn in globals(), (name, fn)
            if param:
                marks = getattr(globals()[fn], "pytestmark", [])
                ids = [list(map(str, m.args[1])) for m in marks if m.name == "parametrize"]
                ok = any("-".join(p) == param for p in itertools.product(*ids)) or any(
                    param in v for v in ids
                )
                ok = ok or any(
                    param == getattr(v, "__name__", None) for m in marks for v in m.args[1]
                )
                assert ok, (name, fn, param)
        for path, obj in re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where):
            text = (
                (here / path).read_text()
                if (here / path).exists()
                else (here.parent / path).read_text()
            )
            assert f"def {obj}(" in text, (name, obj)
