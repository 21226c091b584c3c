"""NumPy's linear-algebra suite (``numpy/linalg/tests/test_linalg.py`` and
``test_regression.py``), run against gpuad.numpy.linalg.

NumPy's ``LinalgCase`` tables: square, non-square, Hermitian (positive definite), stacked
(generalized) and 0-size matrices, in single, double, csingle and cdouble precision and as
integers, contiguous and not; each function of ``numpy.linalg`` on each case, on backend
arrays and on Tensors that require grad, against NumPy: values, result dtypes (per input
dtype), shapes and the kind of error. The per-function classes' argument sweeps (every norm
``ord``, ``axis`` and ``keepdims``; qr modes; cholesky ``upper=``; pinv/matrix_rank/lstsq
cut-offs; matrix_power exponents; tensorinv/tensorsolve; multi_dot chains) and the regression
tests (big-endian input, lists, lstsq with more right-hand sides than rows) are in the tables.
Gradients on the stacked, non-contiguous and empty cases are compared with ``jax.grad`` of
``jnp.linalg`` (conjugated: gpuad's complex gradient is torch's convention) and with float64
central differences. Plain cases are covered elsewhere (test_autograd_linalg.py,
test_torch_linalg_suite.py, test_jax_linalg_grads.py); this file adds NumPy as the peer.

``DIFFERENCES`` lists where gpuad differs on purpose; a test checks each.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from conftest import to_numpy  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.numpy import linalg as NL  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

JL = jnp.linalg
INF = np.inf
DTYPES = (np.float32, np.float64, np.complex64, np.complex128)

DIFFERENCES = {
    "pinv of an empty integer matrix": "float64 (the dtype of every other integer pinv); NumPy "
                                       "returns the integer dtype for 0-size input only",
    "tensorinv of 0-d or 0 x 0 input": "gpuad inverts (1/x; an empty inverse); NumPy fails "
                                       "inside reshape (TypeError/ValueError)",
    "qr modes 'full', 'economic'": "NumPy's deprecated aliases raise ValueError naming the mode",
    "norm(axis=1.0)": "a float axis raises TypeError (NumPy truncates it with int())",
    "eigh/eigvalsh/cholesky gradients": "gpuad reads one triangle as NumPy/LAPACK do, so the "
                                        "gradient lives in that triangle; JAX symmetrizes. "
                                        "Compared after symmetrizing, and against differences",
    "qr(mode='raw') of a Tensor": "Householder reflectors are not differentiated: a Tensor "
                                  "being differentiated raises MissingRuleError",
    "cond(x, p) of a singular Tensor": "p in 1, -1, inf, -inf, 'fro', 'nuc': inf has no "
                                       "derivative, so a Tensor being differentiated raises "
                                       "LinAlgError (arrays give NumPy's inf)",
    "matrix_power(x, 0)": "the identity is a constant: backward of it alone raises GradError "
                          "(no input requires grad); JAX's grad is 0",
}


def _rng(seed):
    return np.random.default_rng(seed)


def _make(shape, dt, kind, seed):
    r = _rng(seed)
    a = r.standard_normal(shape)
    if np.dtype(dt).kind == "c":
        a = a + 1j * r.standard_normal(shape)
    n = shape[-1] if shape else 0
    if kind == "square" and n and shape[-2] == n:
        a = a + 3 * np.eye(n)
    if kind == "hermitian" and n:
        a = a @ np.swapaxes(a, -1, -2).conj() + np.eye(n)
    if np.dtype(dt).kind in "iu":
        a = np.round(3 * a.real)
    return a.astype(dt)


def _noncontig(a):
    return np.repeat(np.repeat(a, 2, -1), 2, -2)[..., ::2, ::2]


def _host(x):
    return to_numpy(x) if not isinstance(x, np.generic | int | float) else np.asarray(x)


def _inputs(a):
    xp = ad.get_backend().xp
    yield xp.asarray(a)
    if np.dtype(a.dtype).kind in "fc":
        yield ad.tensor(xp.asarray(a), requires_grad=True)


def agree(name, f_np, f_g, args, tol=None, post=None):
    """NumPy and gpuad on the same arguments: the same error class, or values, dtypes and
    shapes that agree (``post`` maps both results to sign- and order-free values first)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want, werr = f_np(*args), None
        except Exception as e:  # noqa: BLE001 - the error class is what is compared
            want, werr = None, e
        arrays = [isinstance(a, np.ndarray) or (k == 0 and isinstance(a, np.generic))
                  for k, a in enumerate(args)]  # a 0-d first argument is an array there
        for i, g_args in enumerate(zip(*[_inputs(a) if is_array else [a, a]
                                         for a, is_array in zip(args, arrays, strict=True)],
                                       strict=False)):
            if i and (not any(isinstance(a, ad.Tensor) for a in g_args) or "raw" in name
                      or name.startswith("cond_singular")):
                continue  # DIFFERENCES: qr(mode='raw') and cond at a singular matrix
            try:
                got, gerr = f_g(*g_args), None
            except Exception as e:  # noqa: BLE001
                got, gerr = None, e
            if werr is not None or gerr is not None:
                assert werr is not None and gerr is not None and isinstance(gerr, type(werr)), (
                    name, werr, gerr)
                continue
            w = post(want) if post else want
            g = post(got) if post else got
            ws, gs = (w, g) if isinstance(w, tuple) else ((w,), (g,))
            assert len(ws) == len(gs), name
            for wi, gi in zip(ws, gs, strict=True):
                wi, gi = np.asarray(wi), _host(gi)
                assert (gi.dtype, gi.shape) == (wi.dtype, wi.shape), (name, gi.dtype, wi.dtype,
                                                                     gi.shape, wi.shape)
                t = tol or (2e-3 if wi.dtype in (np.float32, np.complex64) else 1e-8)
                np.testing.assert_allclose(gi, wi, rtol=t, atol=t, err_msg=name)


def _abs_all(x):
    return tuple(np.abs(_host(v)) for v in (x if isinstance(x, tuple) else (x,)))


def _sorted_values(x):
    x = _host(x)
    return np.sort_complex(x) if x.dtype.kind == "c" and x.size else np.sort(x, -1)


SQUARE = [(1, 1), (3, 3), (0, 0), (2, 3, 3), (2, 0, 0), (0, 3, 3), (3, 2, 4, 4)]
NONSQUARE = [(3, 2), (2, 3), (1, 4), (0, 3), (3, 0), (2, 3, 2), (2, 2, 3), (0, 2, 3)]
CASE_DTYPES = DTYPES + (np.int64,)


def _cases(shapes, kind):
    for dt in CASE_DTYPES:
        for k, s in enumerate(shapes):
            a = _make(s, dt, kind, k)
            yield a
            if a.ndim and a.shape[-1] > 1:
                yield _noncontig(a)


SQUARE_FUNCS = {
    "det": (np.linalg.det, NL.det, None),
    "slogdet": (np.linalg.slogdet, NL.slogdet, None),
    "inv": (np.linalg.inv, NL.inv, None),
    "eigvals": (np.linalg.eigvals, NL.eigvals, _sorted_values),
    "eig_values": (lambda a: np.linalg.eig(a)[0], lambda a: NL.eig(a)[0], _sorted_values),
    "solve": (lambda a: np.linalg.solve(a, a[..., :1] + 1), lambda a: NL.solve(a, a[..., :1] + 1),
              None),
    "solve_vector": (lambda a: np.linalg.solve(a, np.ones(a.shape[-1], a.dtype)),
                     lambda a: NL.solve(a, gnp.ones(a.shape[-1], a.dtype)), None),
    **{f"matrix_power{n}": ((lambda n: lambda a: np.linalg.matrix_power(a, n))(n),
                            (lambda n: lambda a: NL.matrix_power(a, n))(n), None)
       for n in (0, 1, 2, 3, -1, -2)},
    "trace": (np.linalg.trace, NL.trace, None),
    "diagonal": (np.linalg.diagonal, NL.diagonal, None),
    "matrix_transpose": (np.linalg.matrix_transpose, NL.matrix_transpose, None),
}
ANY_FUNCS = {
    "svdvals": (np.linalg.svdvals, NL.svdvals, None),
    "svd": (np.linalg.svd, NL.svd, _abs_all),
    "svd_reduced": (lambda a: np.linalg.svd(a, full_matrices=False),
                    lambda a: NL.svd(a, full_matrices=False), _abs_all),
    "svd_no_uv": (lambda a: np.linalg.svd(a, compute_uv=False),
                  lambda a: NL.svd(a, compute_uv=False), None),
    "pinv": (np.linalg.pinv, NL.pinv, None),
    "matrix_rank": (np.linalg.matrix_rank, NL.matrix_rank, None),
    **{f"qr_{m}": ((lambda m: lambda a: np.linalg.qr(a, m))(m),
                   (lambda m: lambda a: NL.qr(a, m))(m), _abs_all)
       for m in ("reduced", "complete", "r", "raw")},
    **{f"cond{p}": ((lambda p: lambda a: np.linalg.cond(a, p))(p),
                    (lambda p: lambda a: NL.cond(a, p))(p), None)
       for p in (None, 1, -1, 2, -2, INF, -INF, "fro", "nuc")},
    **{f"norm{o}{k}": ((lambda o, k: lambda a: np.linalg.norm(a, o, (-2, -1), k))(o, k),
                       (lambda o, k: lambda a: NL.norm(a, o, (-2, -1), k))(o, k), None)
       for o in (None, "fro", "nuc", 1, -1, 2, -2, INF, -INF) for k in (False, True)},
    **{f"vector_norm{o}{ax}{k}": (
        (lambda o, ax, k: lambda a: np.linalg.vector_norm(a, ord=o, axis=ax, keepdims=k))(
            o, ax, k),
        (lambda o, ax, k: lambda a: NL.vector_norm(a, ord=o, axis=ax, keepdims=k))(o, ax, k),
        None)
       for o in (2, 0, 1, -1, -2, 3, 0.5, INF, -INF) for ax in (None, -1, (-2, -1))
       for k in (False, True)},
    "matrix_norm_nuc": (lambda a: np.linalg.matrix_norm(a, ord="nuc"),
                        lambda a: NL.matrix_norm(a, ord="nuc"), None),
}
HERMITIAN_FUNCS = {
    "eigvalsh": (np.linalg.eigvalsh, NL.eigvalsh, None),
    "eigvalsh_U": (lambda a: np.linalg.eigvalsh(a, "U"), lambda a: NL.eigvalsh(a, "U"), None),
    "eigh": (np.linalg.eigh, NL.eigh, _abs_all),
    "cholesky": (np.linalg.cholesky, NL.cholesky, None),
    "cholesky_upper": (lambda a: np.linalg.cholesky(a, upper=True),
                       lambda a: NL.cholesky(a, upper=True), None),
    "matrix_rank_hermitian": (lambda a: np.linalg.matrix_rank(a, hermitian=True),
                              lambda a: NL.matrix_rank(a, hermitian=True), None),
    "pinv_hermitian": (lambda a: np.linalg.pinv(a, hermitian=True),
                       lambda a: NL.pinv(a, hermitian=True), None),
    "svd_hermitian": (lambda a: np.linalg.svd(a, hermitian=True, compute_uv=False),
                      lambda a: NL.svd(a, hermitian=True, compute_uv=False), None),
}
_LOOSE = {"pinv", "pinv_hermitian", "svd", "svd_reduced", "eigh", "eigvals", "eig_values"}
_EMPTY_INT_PINV = "pinv of an empty integer matrix"


def _run_table(table, shapes, kind, names):
    for name in names:
        f_np, f_g, post = table[name]
        for a in _cases(shapes, kind):
            if name.startswith("pinv") and a.size == 0 and a.dtype.kind in "iu":
                continue  # DIFFERENCES[_EMPTY_INT_PINV]
            tol = 1e-2 if (name in _LOOSE or name.startswith(("cond", "qr"))) else None
            agree(f"{name} {a.dtype} {a.shape}", f_np, f_g, (a,), tol=tol, post=post)


def _chunks(names, k):
    names = sorted(names)
    return [names[i::k] for i in range(k)]


@pytest.mark.parametrize("names", _chunks(SQUARE_FUNCS, 2), ids=["a", "b"])
def test_square_cases(backend, names):
    _run_table(SQUARE_FUNCS, SQUARE, "square", names)


@pytest.mark.parametrize("names", _chunks(ANY_FUNCS, 4), ids=list("abcd"))
def test_square_and_nonsquare_cases(backend, names):
    _run_table(ANY_FUNCS, SQUARE[:5] + NONSQUARE, "square", names)


def test_hermitian_cases(backend):
    _run_table(HERMITIAN_FUNCS, SQUARE, "hermitian", HERMITIAN_FUNCS)


# ---- the per-function classes' argument sweeps and NumPy's regression tests ------------------

SING = np.array([[1.0, 2.0], [2.0, 4.0]])
R = _rng(7)


def _lstsq(*a, **k):
    return lambda lib: (lambda x, y: lib.linalg.lstsq(x, y, *a, **k))


CALLS = [
    # (name, numpy function, gpuad function, arguments)
    ("lstsq_rcond", lambda a, b: np.linalg.lstsq(a, b, rcond=0.5),
     lambda a, b: NL.lstsq(a, b, rcond=0.5), (np.diag([1.0, 0.4, 0.6]), np.ones(3))),
    ("lstsq_complex_larger_rhs", np.linalg.lstsq, NL.lstsq,
     (np.arange(6.0).reshape(3, 2) * (1 + 1j), np.ones((3, 5)) * 1j)),
    ("lstsq_empty_b", np.linalg.lstsq, NL.lstsq, (np.ones((3, 2)), np.ones((3, 0)))),
    ("lstsq_empty_a", np.linalg.lstsq, NL.lstsq, (np.ones((0, 2)), np.ones((0, 3)))),
    ("lstsq_empty_a_cols", np.linalg.lstsq, NL.lstsq, (np.ones((3, 0)), np.ones((3, 2)))),
    ("lstsq_int", np.linalg.lstsq, NL.lstsq, (np.array([[1, 0], [0, 1], [1, 1]]),
                                              np.array([1, 2, 3]))),
    ("lstsq_f32_f64", np.linalg.lstsq, NL.lstsq, (np.eye(3, dtype=np.float32), np.ones(3))),
    ("lstsq_f32_tall", np.linalg.lstsq, NL.lstsq,
     (R.standard_normal((5, 3)).astype(np.float32), R.standard_normal((5, 2)).astype(np.float32))),
    ("lstsq_inf", np.linalg.lstsq, NL.lstsq, (np.array([[1.0, INF], [0, 1]]), np.ones(2))),
    ("lstsq_nan", np.linalg.lstsq, NL.lstsq, (np.array([[1.0, np.nan], [0, 1]]), np.ones(2))),
    ("lstsq_3d", np.linalg.lstsq, NL.lstsq, (np.ones((2, 3, 3)), np.ones((2, 3)))),
    ("solve_f32_c64", np.linalg.solve, NL.solve, (np.eye(3, dtype=np.float32),
                                                  np.ones(3, np.complex64))),
    ("solve_f32_f64", np.linalg.solve, NL.solve, (np.eye(3, dtype=np.float32), np.ones(3))),
    ("solve_int_f32", np.linalg.solve, NL.solve, (np.eye(3, dtype=int), np.ones(3, np.float32))),
    ("solve_1d", np.linalg.solve, NL.solve, (np.ones(3), np.ones(3))),
    ("solve_0d", np.linalg.solve, NL.solve, (np.float64(2.0), np.ones(3))),
    ("solve_nonsquare", np.linalg.solve, NL.solve, (np.ones((2, 3)), np.ones(2))),
    ("solve_singular", np.linalg.solve, NL.solve, (SING, np.ones(2))),
    ("solve_singular_stack", np.linalg.solve, NL.solve,
     (np.array([np.eye(2), SING]), np.ones((2, 2, 1)))),
    ("solve_bad_b", np.linalg.solve, NL.solve, (np.eye(3), np.ones(2))),
    ("solve_bad_b2", np.linalg.solve, NL.solve, (np.eye(3), np.ones((2, 3)))),
    ("solve_broadcast", np.linalg.solve, NL.solve, (np.eye(3)[None].repeat(2, 0) * 2,
                                                    np.ones((3, 1)))),
    ("solve_broadcast2", np.linalg.solve, NL.solve, (np.eye(3)[None].repeat(2, 0) * 2,
                                                     np.ones((4, 2, 3, 1)))),
    ("solve_stack_of_vectors", np.linalg.solve, NL.solve, (np.eye(3)[None].repeat(2, 0) * 2,
                                                           np.ones((2, 3)))),
    ("inv_singular_stack", np.linalg.inv, NL.inv, (np.array([np.eye(2), SING]),)),
    ("cholesky_not_pd", np.linalg.cholesky, NL.cholesky, (np.array([[1.0, 2], [2, 1]]),)),
    ("cholesky_not_pd_stack", np.linalg.cholesky, NL.cholesky,
     (np.array([np.eye(2), [[1.0, 2], [2, 1]]]),)),
    ("cholesky_empty_stack", np.linalg.cholesky, NL.cholesky, (np.zeros((0, 2, 2)),)),
    ("cholesky_upper_complex", lambda a: np.linalg.cholesky(a, upper=True),
     lambda a: NL.cholesky(a, upper=True), (np.array([[2, 1j], [-1j, 2]]),)),
    ("matrix_power_float", np.linalg.matrix_power, NL.matrix_power, (np.eye(2), 1.5)),
    ("matrix_power_big", np.linalg.matrix_power, NL.matrix_power, (np.eye(2) * 0.5, 7)),
    ("matrix_power_singular", np.linalg.matrix_power, NL.matrix_power, (SING, -1)),
    ("matrix_power_int_inverse", np.linalg.matrix_power, NL.matrix_power,
     (np.array([[2, 0], [0, 1]]), -1)),
    ("matrix_power_int", np.linalg.matrix_power, NL.matrix_power,
     (np.array([[2, 0], [0, 1]]), 3)),
    ("matrix_power_bool", np.linalg.matrix_power, NL.matrix_power,
     (np.array([[True, False], [True, True]]), 3)),
    ("matrix_power_np_int", np.linalg.matrix_power, NL.matrix_power, (np.eye(2), np.int8(3))),
    ("eigh_bad_uplo", lambda a: np.linalg.eigh(a, "X"), lambda a: NL.eigh(a, "X"), (np.eye(2),)),
    ("eigvalsh_lowercase_uplo", lambda a: np.linalg.eigvalsh(a, "u"),
     lambda a: NL.eigvalsh(a, "u"), (np.array([[1.0, 2], [5, 1]]),)),
    ("qr_bad_mode", lambda a: np.linalg.qr(a, "x"), lambda a: NL.qr(a, "x"), (np.eye(2),)),
    ("qr_raw_values", lambda a: np.linalg.qr(a, "raw"), lambda a: NL.qr(a, "raw"),
     (np.arange(6.0).reshape(3, 2) + 1,)),
    ("qr_raw_stacked", lambda a: np.linalg.qr(a, "raw")[1], lambda a: NL.qr(a, "raw")[1],
     (np.arange(12.0).reshape(2, 3, 2) ** 1.5,)),
    ("norm_three_axes", lambda a: np.linalg.norm(a, axis=(0, 1, 2)),
     lambda a: NL.norm(a, axis=(0, 1, 2)), (np.ones((2, 2, 2)),)),
    ("norm_duplicate_axes", lambda a: np.linalg.norm(a, axis=(1, 1)),
     lambda a: NL.norm(a, axis=(1, 1)), (np.ones((2, 2, 2)),)),
    ("norm_axis_out_of_bounds", lambda a: np.linalg.norm(a, axis=5),
     lambda a: NL.norm(a, axis=5), (np.ones((2, 2, 2)),)),
    ("norm_3d_with_ord", lambda a: np.linalg.norm(a, 2), lambda a: NL.norm(a, 2),
     (np.ones((2, 2, 2)),)),
    ("norm_3d", np.linalg.norm, NL.norm, (R.standard_normal((2, 3, 2)),)),
    ("norm_3d_keepdims", lambda a: np.linalg.norm(a, keepdims=True),
     lambda a: NL.norm(a, keepdims=True), (R.standard_normal((2, 3, 2)),)),
    ("norm_int", lambda a: np.linalg.norm(a, 1), lambda a: NL.norm(a, 1), (np.array([1, -2, 3]),)),
    ("norm_int8_min", np.linalg.norm, NL.norm, (np.array([-128], np.int8),)),
    ("norm_f16", np.linalg.norm, NL.norm, (np.array([3.0, 4.0], np.float16),)),
    ("norm_axes_pair_swapped", lambda a: np.linalg.norm(a, 1, axis=(2, 0)),
     lambda a: NL.norm(a, 1, axis=(2, 0)), (R.standard_normal((2, 3, 4)),)),
    ("norm_axes_pair_swapped_nuc", lambda a: np.linalg.norm(a, "nuc", axis=(2, 0), keepdims=True),
     lambda a: NL.norm(a, "nuc", axis=(2, 0), keepdims=True), (R.standard_normal((2, 3, 4)),)),
    ("vector_norm_axes", lambda a: np.linalg.vector_norm(a, axis=(0, 2), ord=3),
     lambda a: NL.vector_norm(a, axis=(0, 2), ord=3), (R.standard_normal((2, 3, 4)),)),
    ("vector_norm_0d", np.linalg.vector_norm, NL.vector_norm, (np.float64(-3.0),)),
    ("matrix_norm_1d", np.linalg.matrix_norm, NL.matrix_norm, (np.ones(3),)),
    *[(f"matrix_norm_bad_{o}", (lambda o: lambda a: np.linalg.norm(a, o))(o),
       (lambda o: lambda a: NL.norm(a, o))(o), (np.eye(3),)) for o in (3, "bad", -3, 0.5)],
    *[(f"vector_norm_bad_{o}", (lambda o: lambda a: np.linalg.norm(a, o))(o),
       (lambda o: lambda a: NL.norm(a, o))(o), (np.ones(3),)) for o in ("fro", "nuc", "bad")],
    ("matrix_rank_tol", lambda a: np.linalg.matrix_rank(a, tol=0.5),
     lambda a: NL.matrix_rank(a, tol=0.5), (np.diag([1.0, 0.4, 0.6]),)),
    ("matrix_rank_rtol", lambda a: np.linalg.matrix_rank(a, rtol=0.5),
     lambda a: NL.matrix_rank(a, rtol=0.5), (np.diag([1.0, 0.4, 0.6]),)),
    ("matrix_rank_rtol_stack", lambda a: np.linalg.matrix_rank(a, rtol=np.array([0.5, 0.1])),
     lambda a: NL.matrix_rank(a, rtol=np.array([0.5, 0.1])),
     (np.array([np.diag([1.0, 0.4, 0.6])] * 2),)),
    ("matrix_rank_tol_and_rtol", lambda a: np.linalg.matrix_rank(a, tol=1, rtol=0.5),
     lambda a: NL.matrix_rank(a, tol=1, rtol=0.5), (np.eye(3),)),
    ("matrix_rank_1d", np.linalg.matrix_rank, NL.matrix_rank, (np.zeros(3),)),
    ("matrix_rank_0d", np.linalg.matrix_rank, NL.matrix_rank, (np.float64(0.0),)),
    ("matrix_rank_hermitian_tiny", lambda a: np.linalg.matrix_rank(a, hermitian=True),
     lambda a: NL.matrix_rank(a, hermitian=True), (np.diag([1.0, -1e-20, 0.6]),)),
    ("pinv_rtol", lambda a: np.linalg.pinv(a, rtol=0.5), lambda a: NL.pinv(a, rtol=0.5),
     (np.diag([1.0, 0.4, 0.6]),)),
    ("pinv_rcond_stack", lambda a: np.linalg.pinv(a, rcond=np.array([0.5, 0.1])),
     lambda a: NL.pinv(a, rcond=np.array([0.5, 0.1])),
     (np.array([np.diag([1.0, 0.4, 0.6])] * 2),)),
    ("tensorinv_ind0", lambda a: np.linalg.tensorinv(a, 0), lambda a: NL.tensorinv(a, 0),
     (np.ones((4, 2, 2)),)),
    ("tensorinv_not_square", lambda a: np.linalg.tensorinv(a, 1), lambda a: NL.tensorinv(a, 1),
     (R.standard_normal((4, 2, 2)),)),
    ("tensorinv", lambda a: np.linalg.tensorinv(a, 2), lambda a: NL.tensorinv(a, 2),
     (R.standard_normal((4, 6, 8, 3)),)),
    ("tensorinv_ind1", lambda a: np.linalg.tensorinv(a, 1), lambda a: NL.tensorinv(a, 1),
     (R.standard_normal((24, 8, 3)),)),
    ("tensorsolve", np.linalg.tensorsolve, NL.tensorsolve,
     (R.standard_normal((6, 4, 2, 3, 4)), R.standard_normal((6, 4)))),
    ("tensorsolve_axes", lambda a, b: np.linalg.tensorsolve(a, b, axes=(0, 2)),
     lambda a, b: NL.tensorsolve(a, b, axes=(0, 2)),
     (R.standard_normal((6, 4, 2, 3, 4)), R.standard_normal((2, 3)))),
    ("tensorsolve_not_square", np.linalg.tensorsolve, NL.tensorsolve,
     (R.standard_normal((6, 4, 2, 3)), R.standard_normal((6, 4)))),
    ("multi_dot_one", lambda a: np.linalg.multi_dot([a]), lambda a: NL.multi_dot([a]),
     (np.eye(2),)),
    ("multi_dot_vectors", lambda a: np.linalg.multi_dot([a[0], a, a, a[:, 0]]),
     lambda a: NL.multi_dot([a[0], a, a, a[:, 0]]), (R.standard_normal((3, 3)),)),
    ("multi_dot_3d", lambda a: np.linalg.multi_dot([a, a]), lambda a: NL.multi_dot([a, a]),
     (R.standard_normal((2, 3, 3)),)),
    ("multi_dot_mismatch", lambda a: np.linalg.multi_dot([a, a.T, a.T]),
     lambda a: NL.multi_dot([a, a.T, a.T]), (R.standard_normal((2, 3)),)),
    ("multi_dot_chain", lambda a, b, c: np.linalg.multi_dot([a, b, c, a.T]),
     lambda a, b, c: NL.multi_dot([a, b, c, a.T]),
     (R.standard_normal((10, 2)), R.standard_normal((2, 30)), R.standard_normal((30, 2)))),
    ("cross_2d_vectors", lambda a: np.linalg.cross(a, a[::-1]),
     lambda a: NL.cross(a, a[::-1]), (R.standard_normal(2),)),
    ("cross_axis", lambda a: np.linalg.cross(a, a[::-1], axis=0),
     lambda a: NL.cross(a, a[::-1], axis=0), (R.standard_normal((3, 4)),)),
    ("cross_int", lambda a: np.linalg.cross(a, a[::-1]), lambda a: NL.cross(a, a[::-1]),
     (np.array([1, 2, 3]),)),
    ("cross_broadcast", np.linalg.cross, NL.cross,
     (R.standard_normal((2, 1, 3)), R.standard_normal((4, 3)))),
    ("outer_2d", lambda a: np.linalg.outer(a, a), lambda a: NL.outer(a, a), (np.ones((2, 2)),)),
    ("outer_complex", np.linalg.outer, NL.outer, (np.ones(2) * 1j, R.standard_normal(3))),
    ("matmul_0d", lambda a: np.linalg.matmul(a, a), lambda a: NL.matmul(a, a),
     (np.float64(2.0),)),
    ("matmul_mismatch", lambda a: np.linalg.matmul(a, a), lambda a: NL.matmul(a, a),
     (np.ones((2, 3)),)),
    ("matmul_vector_stack", np.linalg.matmul, NL.matmul,
     (R.standard_normal((2, 3, 4)), R.standard_normal(4))),
    ("vecdot_complex", lambda a: np.linalg.vecdot(a, a[::-1]),
     lambda a: NL.vecdot(a, a[::-1]), (R.standard_normal(3) + 1j * R.standard_normal(3),)),
    ("vecdot_broadcast", lambda a: np.linalg.vecdot(a, a[0]), lambda a: NL.vecdot(a, a[0]),
     (R.standard_normal((2, 3)),)),
    ("vecdot_mismatch", lambda a: np.linalg.vecdot(a, a.T), lambda a: NL.vecdot(a, a.T),
     (R.standard_normal((2, 3)),)),
    ("vecdot_axis", lambda a: np.linalg.vecdot(a, a, axis=0),
     lambda a: NL.vecdot(a, a, axis=0), (R.standard_normal((2, 3)),)),
    ("matrix_transpose_1d", np.linalg.matrix_transpose, NL.matrix_transpose, (np.ones(3),)),
    ("trace_1d", np.linalg.trace, NL.trace, (np.ones(3),)),
    ("trace_int8", np.linalg.trace, NL.trace, (np.ones((3, 3), np.int8),)),
    ("trace_bool", np.linalg.trace, NL.trace, (np.ones((3, 3), bool),)),
    ("trace_uint8", np.linalg.trace, NL.trace, (np.ones((3, 3), np.uint8),)),
    ("trace_offset_dtype", lambda a: np.linalg.trace(a, offset=1, dtype=np.float64),
     lambda a: NL.trace(a, offset=1, dtype=np.float64),
     (np.diag(np.array([1e8, 1.0, -1e8, 2], np.float32), -1).T,)),
    ("diagonal_offset", lambda a: np.linalg.diagonal(a, offset=-1),
     lambda a: NL.diagonal(a, offset=-1), (R.standard_normal((2, 3, 4)),)),
    ("diagonal_1d", np.linalg.diagonal, NL.diagonal, (np.ones(3),)),
    ("big_endian_inv", np.linalg.inv, NL.inv, (np.eye(2, dtype=">f8") * 2,)),
    ("big_endian_det", np.linalg.det, NL.det, (np.eye(2, dtype=">f8") * 2,)),
    ("big_endian_eigvalsh", np.linalg.eigvalsh, NL.eigvalsh, (np.eye(2, dtype=">f8") * 2,)),
    ("fortran_order", np.linalg.inv, NL.inv, (np.asfortranarray(R.standard_normal((3, 3))),)),
    ("eig_real_spectrum", lambda a: np.linalg.eig(a)[0], lambda a: NL.eig(a)[0],
     (np.triu(R.standard_normal((3, 3))),)),
    ("eig_complex_spectrum", lambda a: np.linalg.eigvals(a), lambda a: NL.eigvals(a),
     (np.array([[0, 1], [-1, 0.0]], np.float32),)),
    ("eig_empty_stack", lambda a: np.linalg.eig(a)[1], lambda a: NL.eig(a)[1],
     (np.zeros((0, 2, 2)),)),
    ("eigh_empty_stack", lambda a: np.linalg.eigh(a)[1], lambda a: NL.eigh(a)[1],
     (np.zeros((0, 2, 2)),)),
    ("slogdet_empty_complex", np.linalg.slogdet, NL.slogdet, (np.zeros((0, 0), complex),)),
    ("slogdet_singular_complex", np.linalg.slogdet, NL.slogdet, (np.zeros((2, 2), complex),)),
    ("det_int_empty", np.linalg.det, NL.det, (np.zeros((0, 0), int),)),
    ("det_overflow", np.linalg.det, NL.det, (np.eye(300) * 10,)),
    ("slogdet_large", np.linalg.slogdet, NL.slogdet, (np.eye(300) * 10,)),
    ("cond_zero_matrix_stack", np.linalg.cond, NL.cond,
     (np.stack([np.zeros((2, 2)), np.eye(2)]),)),
    ("cond_singular_1", lambda a: np.linalg.cond(a, 1), lambda a: NL.cond(a, 1), (SING,)),
]
for _f in ("inv", "det", "slogdet", "eigvals", "eig", "eigh", "eigvalsh", "cholesky", "svd",
           "qr", "pinv", "matrix_rank", "cond", "svdvals", "matrix_power"):
    _extra = (2,) if _f == "matrix_power" else ()
    for _tag, _a in (("1d", np.ones(3)), ("0d", np.float64(2.0)), ("nonsquare", np.ones((2, 3))),
                     ("singular", SING), ("nan", np.array([[1.0, np.nan], [0, 1]])),
                     ("inf", np.array([[1.0, INF], [0, 1]]))):
        CALLS.append((f"{_f}_{_tag}", getattr(np.linalg, _f), getattr(NL, _f), (_a, *_extra)))


def _post(x):
    """Sign-free values of decompositions (their vectors' signs are LAPACK's choice)."""
    if isinstance(x, tuple) and len(x) in (2, 3) and all(hasattr(_host(v), "shape") for v in x):
        return tuple(np.abs(_host(v)) for v in x)
    return x


@pytest.mark.parametrize("part", [0, 1])
def test_argument_sweeps_and_regressions(backend, part):
    for name, f_np, f_g, args in CALLS[part::2]:
        agree(name, f_np, f_g, args, tol=1e-6, post=_post if name.startswith(
            ("qr", "eig_", "eigh", "svd")) else None)


# ---- gradients: jax.grad and float64 central differences --------------------------------------

def _sym(g):
    return (g + np.swapaxes(g, -1, -2).conj()) / 2


GRAD_FUNCS = {
    # name: (gpuad function, jnp function, input kind, one triangle read)
    "det": (NL.det, JL.det, "square", False),
    "slogdet": (lambda a: NL.slogdet(a)[1], lambda a: JL.slogdet(a)[1], "square", False),
    "inv": (NL.inv, JL.inv, "square", False),
    "pinv": (NL.pinv, JL.pinv, "square", False),
    "solve": (lambda a: NL.solve(a, a[..., :1] * 2 + 1), lambda a: JL.solve(a, a[..., :1] * 2 + 1),
              "square", False),
    "matrix_power3": (lambda a: NL.matrix_power(a, 3), lambda a: JL.matrix_power(a, 3),
                      "square", False),
    "matrix_power-2": (lambda a: NL.matrix_power(a, -2), lambda a: JL.matrix_power(a, -2),
                       "square", False),
    "svdvals": (NL.svdvals, JL.svdvals, "square", False),
    "svd_product": (lambda a: (lambda u, s, vh: (u * s[..., None, :]) @ vh)(
        *NL.svd(a, full_matrices=False)),
        lambda a: (lambda u, s, vh: (u * s[..., None, :]) @ vh)(*JL.svd(a, full_matrices=False)),
        "square", False),
    "qr_product": (lambda a: (lambda q, r: q @ r)(*NL.qr(a)), lambda a: (lambda q, r: q @ r)(
        *JL.qr(a)), "square", False),
    **{f"norm{o}": ((lambda o: lambda a: NL.norm(a, o, axis=(-2, -1)))(o),
                    (lambda o: lambda a: JL.norm(a, o, axis=(-2, -1)))(o), "square", False)
       for o in (None, "nuc", 1, -1, 2, -2, INF, -INF)},
    **{f"vector_norm{o}": ((lambda o: lambda a: NL.vector_norm(a, ord=o, axis=-2,
                                                               keepdims=True))(o),
                           (lambda o: lambda a: JL.vector_norm(a, ord=o, axis=-2,
                                                               keepdims=True))(o),
                           "square", False)
       for o in (1, 2, 3, 0.5, INF, -1)},
    "cond": (NL.cond, JL.cond, "square", False),
    "cond_fro": (lambda a: NL.cond(a, "fro"), lambda a: JL.cond(a, "fro"), "square", False),
    "trace": (lambda a: NL.trace(a, offset=1), lambda a: JL.trace(a, offset=1), "square", False),
    "vecdot": (lambda a: NL.vecdot(a, a[..., ::-1, :]), lambda a: JL.vecdot(a, a[..., ::-1, :]),
               "square", False),
    "cross": (lambda a: NL.cross(a, a[..., ::-1, :]), lambda a: JL.cross(a, a[..., ::-1, :]),
              "square3", False),
    "cholesky": (NL.cholesky, JL.cholesky, "hermitian", True),
    "cholesky_upper": (lambda a: NL.cholesky(a, upper=True),
                       lambda a: JL.cholesky(a, upper=True), "hermitian", True),
    "eigvalsh": (NL.eigvalsh, JL.eigvalsh, "hermitian", True),
    "eigh_projector": (lambda a: (lambda w, v: (v * w[..., None, :]) @ gnp.conj(
        gnp.swapaxes(v, -1, -2)))(*NL.eigh(a)),
        lambda a: (lambda w, v: (v * w[..., None, :]) @ jnp.conj(jnp.swapaxes(v, -1, -2)))(
            *JL.eigh(a)), "hermitian", True),
}
GRAD_SHAPES = [(2, 1, 3, 3), (2, 0, 0)]


def _grad_inputs(kind, dt, seed):
    for k, s in enumerate(GRAD_SHAPES):
        a = _make(s, dt, "hermitian" if kind == "hermitian" else "square", seed)
        yield a if k else np.repeat(a, 2, -1)[..., ::2]  # stacked, not contiguous; empty


def _grad_pair(fg, fj, a, w):
    xp = ad.get_backend().xp
    try:
        want = np.conj(np.asarray(jax.grad(lambda x: jnp.sum(jnp.real(fj(x) * w)))(
            jnp.asarray(a))))
    except Exception:  # noqa: BLE001 - JAX refuses some empty inputs (cond)
        want = None
    x = ad.tensor(xp.asarray(a), requires_grad=True)
    try:
        got = to_numpy(ad.grad(lambda x: gnp.sum(gnp.real(fg(x) * xp.asarray(w))))(x))
    except Exception:  # noqa: BLE001
        assert want is None or a.size == 0, "gpuad raised where JAX differentiates"
        got = None
    return got, want


@pytest.mark.parametrize("name", sorted(GRAD_FUNCS))
def test_gradients_match_jax_and_differences(backend, name):
    """Stacked, broadcast-stacked non-contiguous and empty inputs, real and complex; the
    gradient's dtype is the input's (float32 too)."""
    fg, fj, kind, one_triangle = GRAD_FUNCS[name]
    xp = ad.get_backend().xp
    if kind == "square3":
        kind = "square"
        fg, fj = (lambda f: lambda a: f(a[..., :3, :]))(fg), (lambda f: lambda a: f(a[..., :3, :]))(
            fj)
    for dt in (np.float64, np.complex128):
        for k, a in enumerate(_grad_inputs(kind, dt, len(name))):
            try:
                out = np.asarray(fj(jnp.asarray(a)))
            except Exception:  # noqa: BLE001 - JAX refuses some empty inputs (cond)
                assert not a.size
                continue
            w = _make(out.shape, out.dtype, "", k + 1)
            got, want = _grad_pair(fg, fj, a, w)
            if got is None or want is None:
                continue
            assert got.dtype == a.dtype and got.shape == a.shape, (name, got.dtype, a.dtype)
            if one_triangle:
                got, want = _sym(got), _sym(want)
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * max(
                1, np.abs(want).max(initial=0)), err_msg=f"{name} {a.dtype} {a.shape}")
            if dt == np.float64 and k == 0:
                check_grads(fg, (xp.asarray(a),), order=1, modes=("rev",))
    a = _make((3, 3), np.float32, "hermitian" if kind == "hermitian" else "square", 0)
    x = ad.tensor(xp.asarray(a), requires_grad=True)
    g = ad.grad(lambda x: gnp.sum(gnp.real(fg(x))))(x)
    assert to_numpy(g).dtype == np.float32, name


# ---- deliberate differences -------------------------------------------------------------------

def test_differences_listed(backend):
    xp = ad.get_backend().xp
    assert NL.pinv(xp.zeros((0, 0), dtype=np.int64)).dtype == np.float64
    assert float(to_numpy(NL.tensorinv(xp.asarray(2.0)))) == 0.5
    assert NL.tensorinv(xp.zeros((0, 0)), 1).shape == (0, 0)
    for mode in ("full", "economic"):
        with pytest.raises(ValueError, match=mode):
            NL.qr(xp.eye(2), mode)
    with pytest.raises(TypeError):
        NL.norm(xp.ones((2, 2, 2)), axis=1.0)
    x = ad.tensor(xp.eye(2) * 2, requires_grad=True)
    with pytest.raises(ad.GradError):
        gnp.sum(NL.matrix_power(x, 0)).backward()
    with pytest.raises(ad.MissingRuleError, match="raw"):
        NL.qr(ad.tensor(xp.eye(2), requires_grad=True), "raw")
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        NL.cond(ad.tensor(xp.asarray(SING), requires_grad=True), 1)
    assert len(DIFFERENCES) == 8
