"""NumPy's own tests of the stride tricks, index tricks, 2-D and shape-base functions and the
ufunc-likes (numpy/lib/tests: test_stride_tricks, test_index_tricks, test_twodim_base,
test_shape_base, test_ufunclike) ported to gpuad.numpy, beyond what test_numpy_lib_suite,
test_numpy_core_suite and test_numpy_core_indexing cover: each case runs NumPy on host arrays
and gpuad.numpy on backend arrays and on Tensors that require grad, in the same process, and
compares values, dtypes and shapes, or the exception class where NumPy raises. The
differentiable ones are checked against float64 central differences, and under gpuad.jit and
gpuad.vmap against the eager results; numpy.ma and as_strided on a Tensor being recorded raise
an error that names the NumPy function and what to use instead.

Where gpuad deliberately differs:

- ``sliding_window_view(writeable=True)`` on a Tensor raises NotImplementedError (NumPy's
  writeable view aliases elements; gpuad's windows are a recorded copy), and
  ``as_strided`` on a Tensor raises NotImplementedError (arbitrary byte strides);
- ``r_``/``c_`` with a matrix string (``"r"``, ``"c"``) and ``mgrid``/``ogrid`` results are
  compared by value only (no ``numpy.matrix``; the grids are backend arrays).

NumPy only: it runs in CI, about 2 s; GPUAD_NUMPY_LIB_TRICKS_ALL=1 adds second order to the
gradient checks.
"""

from __future__ import annotations

import copy
import os
import re
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

A = np.array
ALL = os.environ.get("GPUAD_NUMPY_LIB_TRICKS_ALL") == "1"


class Case:
    def __init__(self, name, args, kw):
        self.name, self.args, self.kw = name, args, kw

    def __repr__(self):
        return f"{self.name}{self.args!r:.60}{self.kw!r:.40}"


def _np_fn(name):
    obj = np
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _gnp_fn(name):
    obj = gnp
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _build_cases() -> list:
    cases = []

    def chk(name, *args, **kw):
        cases.append(Case(name, args, kw))

    # test_stride_tricks: broadcast_shapes, broadcast_to, broadcast_arrays
    for shapes in [(), ((),), ((1,),), ((1, 2), (3, 1), (3, 2)), ((6, 7), (5, 6, 1), (7,),
                   (5, 1, 7)), ((1, 0), (0, 0)), ((0,), (1,)), (1, 2), (5, (5,)),
                   ((3,), (4,)), ((2, 3), (3, 2)), ((1, 2, 3), (4, 1, 1, 3))]:
        chk("broadcast_shapes", *(shapes if isinstance(shapes, tuple) else (shapes,)))
    for a, sh in [(A(0.5), (0,)), (A(0.5), (1,)), (A(0.5), (3,)), (np.ones(1), (1,)),
                  (np.ones(1), (2,)), (np.ones(1), (1, 2, 3)), (np.arange(3.0), (3,)),
                  (np.arange(3.0), (1, 3)), (np.arange(3.0), (2, 3)), (np.ones(0), (0,)),
                  (np.ones(1), (0,)), (np.ones((1, 0)), (3, 0)), (np.ones((1, 2)), (2, 2)),
                  (np.ones(1), 3), (np.ones(3), (2,)), (np.ones(1), (-1,)), (np.ones(3), (1,)),
                  (np.ones((1, 2)), (2, 1)), (np.ones((1, 2)), (2,)), (np.ones(3), ())]:
        chk("broadcast_to", a, sh)
    chk("broadcast_arrays", np.arange(3.0), np.arange(3.0)[:, None])
    chk("broadcast_arrays", np.ones((0, 1)), np.ones((1, 3)))
    chk("broadcast_arrays", np.ones(3), np.ones(4))
    chk("broadcast_arrays", np.ones((2, 1, 3)))
    # test_stride_tricks: sliding_window_view
    x1 = np.arange(5.0)
    x2 = np.arange(12.0).reshape(3, 4)
    chk("lib.stride_tricks.sliding_window_view", x1, 2)
    chk("lib.stride_tricks.sliding_window_view", x1, (5,))
    chk("lib.stride_tricks.sliding_window_view", x1, 0)
    chk("lib.stride_tricks.sliding_window_view", x2, (2, 2))
    chk("lib.stride_tricks.sliding_window_view", x2, 3, axis=0)
    chk("lib.stride_tricks.sliding_window_view", x2, (2, 3), axis=(1, 0))
    chk("lib.stride_tricks.sliding_window_view", x2, (2, 2), axis=(1, 1))
    chk("lib.stride_tricks.sliding_window_view", x2, 2, axis=-1)
    chk("lib.stride_tricks.sliding_window_view", np.arange(24.0).reshape(2, 3, 4), (2, 2),
        axis=(2, 0))
    chk("lib.stride_tricks.sliding_window_view", x2, (2,))  # one entry for two axes
    chk("lib.stride_tricks.sliding_window_view", x2, -1, axis=0)
    chk("lib.stride_tricks.sliding_window_view", x2, 4, axis=0)
    chk("lib.stride_tricks.sliding_window_view", x2, (2, 2), axis=0)
    chk("lib.stride_tricks.sliding_window_view", x2, 2, axis=2)
    chk("lib.stride_tricks.sliding_window_view", x1, (3,), 0)
    # test_index_tricks
    for dims in [(2, 3), (2, 0), (), (4,)]:
        chk("ndindex", dims)
    chk("ndindex", 2, 3)
    for n, nd in [(4, 2), (3, 3), (0, 2)]:
        chk("diag_indices", n, nd)
    chk("diag_indices_from", np.ones((3, 3, 3)))
    chk("diag_indices_from", np.ones((3, 4)))
    chk("diag_indices_from", np.ones(3))
    # TestIx_: dtypes kept, booleans as positions, 1-d only, empty and repeated inputs
    for dt in (np.int16, np.int32, np.intp, np.uint8, bool):
        chk("ix_", np.arange(4).astype(dt), np.arange(2).astype(dt))
    chk("ix_", [])
    chk("ix_", [0, 2], [1])
    chk("ix_", np.ones((2, 2), int))
    chk("ix_", np.arange(3), np.arange(3))
    chk("ix_", A([0.5, 1.0]))
    # TestFillDiagonal / TestNdIndex edges
    chk("ndindex", ())
    chk("ndindex", np.int64(2), np.int32(2))
    # test_twodim_base
    for k in (-2, -1, 0, 1, 3):
        chk("tril", np.arange(12.0).reshape(3, 4) + 1, k)
        chk("triu", np.arange(12.0).reshape(3, 4) + 1, k)
    chk("tril", np.arange(24.0).reshape(2, 3, 4), k=-1)
    chk("triu", np.arange(3.0), k=1)
    chk("tril", np.ones((3, 3), dtype=bool))
    chk("tril_indices", 4, -1, 3)
    chk("triu_indices", 4, 1, 5)
    chk("triu_indices", 3, m=2)
    chk("tril_indices_from", np.ones((2, 5)), 1)
    chk("triu_indices_from", np.ones((4, 3)), -1)
    chk("tril_indices_from", np.ones(3))
    chk("triu_indices_from", np.ones((2, 2, 2)))
    chk("tri", 3, 5, 1)
    chk("tri", 3, dtype=int)
    chk("eye", 3, 4, -1, dtype=int)
    chk("eye", 4, k=5)
    chk("diag", np.arange(9.0).reshape(3, 3), -1)
    chk("diag", np.arange(3.0), 2)
    chk("diag", np.ones((2, 2, 2)))
    chk("diagflat", np.arange(4.0).reshape(2, 2), 2)
    chk("vander", A([1.0, 2, 3]), 0)
    chk("vander", A([1, 2, 3]))
    chk("vander", A([1.0 + 1j, 2]), 3, True)
    chk("vander", np.ones((2, 2)))
    chk("vander", A([1.0, 2]), -1)
    chk("fliplr", np.arange(3.0))
    chk("flipud", A(2.0))
    chk("fliplr", np.arange(6.0).reshape(2, 3))
    chk("flipud", np.arange(6.0).reshape(2, 3))
    chk("histogram2d", A([0.1, 0.4, 0.5, 0.9]), A([0.2, 0.3, 0.6, 0.8]), [2, 3])
    chk("histogram2d", A([0.0, 1]), A([0.0, 1]), bins=2, range=[[0, 1], [0, 1]], density=True)
    # test_shape_base
    a23 = np.arange(6.0).reshape(2, 3)
    for f in ("split", "array_split"):
        chk(f, np.arange(10.0), 3)
        chk(f, np.arange(10.0), [1, 5, 7])
        chk(f, np.arange(10.0), [3, 1, 12])
        chk(f, np.arange(24.0).reshape(4, 6), 2, axis=1)
        chk(f, np.arange(24.0).reshape(4, 6), [1, -2], axis=-1)
        chk(f, np.arange(10.0), 0)
    for sections in (np.int64(2), 2.0, A(5), 1.5):
        chk("split", np.arange(10.0), sections)
        chk("array_split", np.arange(10.0), sections)
    chk("array_split", np.arange(10.0), 4)
    chk("array_split", np.arange(3.0), 5)
    chk("array_split", np.ones((0, 3)), 2)
    chk("hsplit", np.arange(6.0), 2)
    chk("hsplit", np.arange(12.0).reshape(3, 4), [1, 3])
    chk("hsplit", A(1.0), 1)
    chk("vsplit", np.arange(12.0).reshape(4, 3), 2)
    chk("vsplit", np.arange(4.0), 2)
    chk("dsplit", np.arange(24.0).reshape(2, 3, 4), [1, 2])
    chk("dsplit", np.arange(6.0).reshape(2, 3), 3)
    for ax in (0, -1, 2, (0, 2), (1, -1), 3, -4, (0, 0)):
        chk("expand_dims", a23, ax)
    chk("column_stack", (np.arange(3.0), np.arange(3.0) + 4))
    chk("column_stack", (np.arange(3.0), np.ones((3, 2))))
    chk("column_stack", (np.arange(3.0), np.arange(2.0)))
    chk("dstack", (np.arange(3.0), np.arange(3.0) + 4))
    chk("dstack", (a23, a23 * 2))
    chk("kron", np.arange(3.0), np.ones((2, 2)))
    chk("kron", np.arange(4.0).reshape(2, 2), np.arange(3.0) + 1)
    chk("kron", A(2.0), np.arange(3.0))
    for reps in (2, (2, 2), (3, 2, 1), (1, 1), (0,), (2, 0), ()):
        chk("tile", np.arange(3.0), reps)
        chk("tile", a23, reps)
    chk("tile", A(1.5), (2, 3))
    idx = A([[0, 2, 1], [1, 1, 0]])
    chk("take_along_axis", a23, idx, 1)
    chk("take_along_axis", a23, A([[1, 0, 1]]), 0)
    chk("take_along_axis", a23, A([[-1], [0]]), -1)
    chk("take_along_axis", a23.ravel(), A([5, 0, 3]), None)
    chk("take_along_axis", a23, A([0, 1]), 1)  # fewer dims: ValueError
    chk("take_along_axis", a23, A([[0.0, 1]]), 1)  # float indices: IndexError
    chk("take_along_axis", a23, idx, 2)
    # TestTakeAlongAxis: arg-function equivalence, invalid indices, empty and broadcast
    r345 = np.random.default_rng(3).standard_normal((3, 4, 5))
    for ax in (0, 1, 2, -1, None):
        chk("take_along_axis", r345, np.argsort(r345, axis=ax), ax)
    chk("take_along_axis", r345, np.argmax(r345, axis=1, keepdims=True), 1)
    chk("take_along_axis", r345, np.argpartition(r345, 2, axis=2), 2)
    ai = np.ones((10, 2), dtype=np.intp)
    chk("take_along_axis", np.ones((10, 10)), ai, 1)
    chk("take_along_axis", np.ones((10, 10)), A(1), 1)
    chk("take_along_axis", np.ones((10, 10)), ai.astype(bool), 1)
    chk("take_along_axis", np.ones((10, 10)), ai, 10)
    chk("take_along_axis", np.ones((3, 4, 5)), np.ones((3, 0, 5), dtype=np.intp), 1)
    chk("take_along_axis", r345[:, :, :1], np.ones((1, 2, 5), dtype=np.intp), 1)
    # TestApplyAlongAxis: the simple and 3-d cases
    for ax in (0, 1, -1):
        chk("apply_along_axis", len, ax, np.ones((20, 10)))
    # integer and boolean inputs keep NumPy's dtypes
    i23 = np.arange(6).reshape(2, 3)
    chk("kron", i23, A([1, -1]))
    chk("kron", i23, A([0.5, 2]))
    chk("tile", i23 > 2, (2, 1))
    chk("take_along_axis", i23, A([[2], [0]]), 1)
    chk("expand_dims", i23 > 1, 1)
    chk("column_stack", (A([1, 2]), A([0.5, 1.5])))
    chk("dstack", (A([True, False]), A([1, 2])))
    chk("fliplr", i23)
    chk("array_split", i23, 2, axis=1)
    chk("lib.stride_tricks.sliding_window_view", i23, (2, 2))
    chk("lib.stride_tricks.sliding_window_view", A(1.5), ())
    chk("lib.stride_tricks.sliding_window_view", np.arange(4.0), 2, axis=(0,))
    chk("broadcast_to", A([1, 2]), (2, 2))
    chk("broadcast_arrays", A([True]), A([1.0, 2]))
    chk("tril", i23, -1)
    chk("triu", i23 > 1, 1)
    chk("diag", A([1, 2]), -1)
    chk("vander", A([True, False]), 2)
    # test_ufunclike
    chk("fix", A([[1.0, 1.1, 1.5, 1.8], [-1.0, -1.1, -1.5, -1.8]]))
    chk("fix", A(3.14))
    chk("fix", A([1, -2]))
    chk("isposinf", A([np.inf, -np.inf, np.nan, 0.0, 2.0]))
    chk("isneginf", A([np.inf, -np.inf, np.nan, 0.0, 2.0]))
    chk("isposinf", A([1 + 1j, np.inf]))
    chk("isneginf", A(-np.inf))
    return cases


CASES = _build_cases()


def _xp():
    return ad.get_backend().xp


def _conv(a, tensor: bool):
    """A NumPy argument as the backend's array, or as a Tensor requiring grad (floats)."""
    if isinstance(a, np.ndarray):
        b = _xp().asarray(a)
        if tensor and a.dtype.kind in "fc":
            return ad.tensor(b, requires_grad=True)
        return b
    if isinstance(a, (list, tuple)) and a and all(isinstance(x, np.ndarray) for x in a):
        return type(a)(_conv(x, tensor) for x in a)
    return a


def _host(r):
    if isinstance(r, tuple):
        return tuple(_host(x) for x in r)
    if isinstance(r, list):
        return [_host(x) for x in r]
    if isinstance(r, ad.Tensor) or hasattr(r, "get") or isinstance(r, np.ndarray):
        return to_numpy(r)
    if hasattr(r, "__next__"):  # ndindex, ndenumerate
        return [_host(x) for x in r]
    return r


def _assert_same(want, got, check_dtype: bool, where: str):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), f"{where}: {got!r}"
        for w, g in zip(want, got, strict=True):
            _assert_same(w, g, check_dtype, where)
        return
    w, g = np.asarray(want), np.asarray(got)
    assert g.shape == w.shape, f"{where}: shape {g.shape}, NumPy {w.shape}"
    if check_dtype:
        assert g.dtype == w.dtype, f"{where}: dtype {g.dtype}, NumPy {w.dtype}"
    if w.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14, err_msg=where)
    else:
        np.testing.assert_array_equal(g, w, err_msg=where)


def _run(fn, args, kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            r = fn(*args, **kw)
            return (list(r) if hasattr(r, "__next__") else r), None
        except Exception as e:  # noqa: BLE001 (the exception is what is compared)
            return None, e


@pytest.mark.parametrize("tensor", [False, True], ids=["array", "tensor"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-{i}" for i, c in enumerate(CASES)])
def test_lib_tricks_case(backend, case, tensor):
    want, we = _run(_np_fn(case.name), *copy.deepcopy((case.args, case.kw)))
    args = [_conv(a, tensor) for a in case.args]
    got, ge = _run(_gnp_fn(case.name), args, {k: _conv(v, tensor) for k, v in case.kw.items()})
    where = f"{case!r} on {'Tensors' if tensor else 'arrays'}"
    if we is not None:
        assert ge is not None, f"{where}: NumPy raised {we!r}, gpuad gave {_host(got)!r}"
        assert isinstance(ge, type(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
        return
    assert ge is None, f"{where}: gpuad raised {ge!r}"
    _assert_same(_host(want), _host(got), True, where)


# ---- index tricks: r_, c_, s_, index_exp, mgrid, ogrid, ndenumerate -----------------------

def _index_tricks(m):
    """The expressions of test_index_tricks, on the module ``m`` (numpy or gpuad.numpy)."""
    a, b = np.arange(3.0), np.arange(3.0) + 10
    if m is gnp:
        a, b = _xp().asarray(a), _xp().asarray(b)
    two = np.ones((2, 3)) if m is np else _xp().ones((2, 3))
    return {
        "r_ranges": lambda: m.r_[1:5:2, 7, 8, -2:0],
        "r_arrays": lambda: m.r_[a, 0, b],
        "r_linspace": lambda: m.r_[-1:1:6j],
        "r_linspace_mixed": lambda: m.r_[-1:1:5j, 0, 0, a],
        "r_axis": lambda: m.r_["0,2", a, b],
        "r_axis1": lambda: m.r_["1,2,0", a, b],
        "r_axis_neg": lambda: m.r_["-1", two, two],
        "r_2d": lambda: m.r_[two, two],
        "r_float_step": lambda: m.r_[0:1:0.25],
        "r_empty": lambda: m.r_[()],
        "c_": lambda: m.c_[a, b],
        "c_scalars": lambda: m.c_[a, 0:3, b],
        "c_2d": lambda: m.c_[two.T, a],
        "s_": lambda: m.s_[1:2, ..., None, ::-1],
        "s_int": lambda: m.s_[3],
        "index_exp": lambda: m.index_exp[1:2, 3],
        "index_exp_one": lambda: m.index_exp[2],
        "mgrid": lambda: m.mgrid[-1:1:0.5, 0:3],
        "mgrid_complex": lambda: m.mgrid[-1:1:5j, 0:1:3j],
        "mgrid_1d": lambda: m.mgrid[0:5:2],
        "mgrid_float_bounds": lambda: m.mgrid[0.1:0.3:3j],
        "mgrid_empty": lambda: m.mgrid[0:0, 1:3],
        "ogrid": lambda: m.ogrid[-1:1:0.5, 0:3],
        "ogrid_complex": lambda: m.ogrid[0:1:4j, 0:2:3j],
        "ogrid_1d": lambda: m.ogrid[0:5:2],
        "ndenumerate": lambda: list(m.ndenumerate(two[:, :2] * 2)),
        "ndenumerate_0d": lambda: list(m.ndenumerate(m.asarray(1.5))),
        "mask_indices_triu": lambda: m.mask_indices(3, m.triu),
        "mask_indices_tril1": lambda: m.mask_indices(4, m.tril, 1),
        "mask_indices_numpy_triu": lambda: m.mask_indices(3, np.triu, -1),
        "apply_along_axis_sum": lambda: m.apply_along_axis(m.sum, 0, two * 3),
        "apply_along_axis_slice": lambda: m.apply_along_axis(lambda v: v[1:] * 2, 1, two),
        "apply_along_axis_outer": lambda: m.apply_along_axis(lambda v: m.outer(v, v), 1,
                                                             two + a),
        "apply_along_axis_count": lambda: m.apply_along_axis(lambda v: (v > 10).sum(), 1,
                                                             m.stack([a, b])),
        "apply_along_axis_0d": lambda: m.apply_along_axis(m.sum, 0, m.asarray(1.0)),
        "apply_along_axis_axis": lambda: m.apply_along_axis(m.sum, 2, two),
        "apply_along_axis_neg": lambda: m.apply_along_axis(m.cumsum, -1, two + a),
        "apply_over_axes_sum": lambda: m.apply_over_axes(
            m.sum, m.reshape(m.arange(24.0), (2, 3, 4)), [0, 2]),
        "apply_over_axes_mean": lambda: m.apply_over_axes(m.mean, two + a, 1),
        "apply_over_axes_drop": lambda: m.apply_over_axes(
            lambda x, ax: m.sum(x, ax), two + a, [0]),
        "unravel_index": lambda: m.unravel_index([22, 41, 37], (7, 6)),
        "unravel_index_F": lambda: m.unravel_index(1621, (6, 7, 8, 9), order="F"),
        "unravel_index_big": lambda: m.unravel_index(100, (3, 4)),
        "ravel_multi_index": lambda: m.ravel_multi_index(([3, 6, 6], [4, 5, 1]), (7, 6)),
        "ravel_multi_index_wrap": lambda: m.ravel_multi_index(([3, 9], [4, -1]), (7, 6),
                                                              mode="wrap"),
        "ravel_multi_index_bad": lambda: m.ravel_multi_index(([3, 9], [4, 1]), (7, 6)),
    }


_TRICKS = sorted(_index_tricks(np))


def _plain(r):
    if isinstance(r, (tuple, list)):
        return type(r)(_plain(v) for v in r)
    if isinstance(r, slice) or r is None or r is Ellipsis or isinstance(r, int):
        return r
    return to_numpy(r)


@pytest.mark.parametrize("name", _TRICKS)
def test_index_tricks(backend, name):
    want, we = _run(_index_tricks(np)[name], (), {})
    got, ge = _run(_index_tricks(gnp)[name], (), {})
    if we is not None:
        assert isinstance(ge, type(we)), f"{name}: NumPy raised {we!r}, gpuad {ge!r}"
        return
    assert ge is None, f"{name}: gpuad raised {ge!r}"
    want, got = _plain(want), _plain(got)
    if name.startswith(("s_", "index_exp")):
        assert got == want, name
        return
    _assert_same(want, got, True, name)


# ---- the in-place writers: fill_diagonal, put_along_axis, put ------------------------------

_R345 = np.random.default_rng(4).standard_normal((3, 4, 5))


def _writers():
    """(name, target, call) from test_index_tricks and test_shape_base: ``call(m, a)`` writes
    into ``a`` with the module ``m``'s function."""
    return [
        ("fill_diagonal_square", np.zeros((3, 3)), lambda m, a: m.fill_diagonal(a, 5.0)),
        ("fill_diagonal_tall", np.zeros((7, 3)), lambda m, a: m.fill_diagonal(a, 5.0)),
        ("fill_diagonal_tall_wrap", np.zeros((7, 3)),
         lambda m, a: m.fill_diagonal(a, 5.0, wrap=True)),
        ("fill_diagonal_wide", np.zeros((3, 7)), lambda m, a: m.fill_diagonal(a, 5.0)),
        ("fill_diagonal_seq", np.zeros((4, 4)), lambda m, a: m.fill_diagonal(a, [1.0, 2])),
        ("fill_diagonal_3d", np.zeros((3, 3, 3)), lambda m, a: m.fill_diagonal(a, 4.0)),
        ("fill_diagonal_3d_bad", np.zeros((3, 3, 4)), lambda m, a: m.fill_diagonal(a, 4.0)),
        ("fill_diagonal_1d", np.zeros(3), lambda m, a: m.fill_diagonal(a, 4.0)),
        ("fill_diagonal_4d", np.zeros((3, 3, 3, 3)), lambda m, a: m.fill_diagonal(a, 4.0)),
        ("fill_diagonal_4d_bad", np.zeros((3, 3, 3, 4)), lambda m, a: m.fill_diagonal(a, 4.0)),
        ("fill_diagonal_tall_wrap_seq", np.zeros((10, 3)),
         lambda m, a: m.fill_diagonal(a, [1.0, 2.0, 3.0, 4.0], wrap=True)),
        ("fill_diagonal_empty", np.zeros((0, 0)), lambda m, a: m.fill_diagonal(a, 1.0)),
        ("fill_diagonal_int", np.zeros((3, 3), int), lambda m, a: m.fill_diagonal(a, 2)),
        ("put_along_axis", np.arange(6.0).reshape(2, 3),
         lambda m, a: m.put_along_axis(a, A([[0], [2]]), 9.0, 1)),
        ("put_along_axis_none", np.arange(6.0).reshape(2, 3),
         lambda m, a: m.put_along_axis(a, A([1, 4]), A([7.0, 8]), None)),
        ("put_along_axis_bcast", np.arange(6.0).reshape(2, 3),
         lambda m, a: m.put_along_axis(a, A([[1, 0, 1]]), A([[-1.0], [-2]]), 0)),
        ("put_along_axis_bad_ndim", np.arange(6.0).reshape(2, 3),
         lambda m, a: m.put_along_axis(a, A([0, 1]), 1.0, 1)),
        ("put_along_axis_broadcast", np.ones((3, 4, 1)),
         lambda m, a: m.put_along_axis(a, np.arange(10).reshape(1, 2, 5) % 4, 20.0, 1)),
        *[(f"put_along_axis_replace_max_{ax}", _R345.copy(),
           lambda m, a, ax=ax: m.put_along_axis(
               a, np.argmax(_R345, axis=ax, keepdims=True), -99.0, ax)) for ax in (0, 1, 2)],
        ("put", np.arange(6.0).reshape(2, 3), lambda m, a: m.put(a, [0, 5], [-1.0, -5])),
        ("put_repeat", np.zeros(5), lambda m, a: m.put(a, [0, 1, 2, 3], [1.0, 2])),
        ("put_wrap", np.zeros(5), lambda m, a: m.put(a, [7, -8], [1.0, 2], mode="wrap")),
        ("put_clip", np.zeros(5), lambda m, a: m.put(a, [7, -8], [1.0, 2], mode="clip")),
        ("put_raise", np.zeros(5), lambda m, a: m.put(a, [7], 1.0)),
        ("fix_out", np.zeros(3), lambda m, a: m.fix(m.asarray(A([1.5, -2.5, 3.0])), out=a)),
        ("isposinf_out", np.zeros(3, bool),
         lambda m, a: m.isposinf(m.asarray(A([np.inf, -np.inf, 1.0])), out=a)),
        ("isneginf_out", np.zeros(3, bool),
         lambda m, a: m.isneginf(m.asarray(A([np.inf, -np.inf, 1.0])), out=a)),
    ]


@pytest.mark.parametrize("tensor", [False, True], ids=["array", "tensor"])
@pytest.mark.parametrize("k", range(len(_writers())), ids=[w[0] for w in _writers()])
def test_writers(backend, k, tensor):
    name, a0, call = _writers()[k]
    want = a0.copy()
    _, we = _run(call, (np, want), {})
    a = _xp().asarray(a0)
    if tensor:
        a = ad.tensor(a)
    _, ge = _run(call, (gnp, a), {})
    if we is not None:
        assert isinstance(ge, type(we)), f"{name}: NumPy raised {we!r}, gpuad {ge!r}"
        return
    assert ge is None, f"{name}: gpuad raised {ge!r}"
    _assert_same(want, to_numpy(a), True, name)


def test_fill_diagonal_bumps_the_version(backend):
    """A step that saved the matrix refuses to backward after fill_diagonal wrote into it; a
    step after the write differentiates through it (the diagonal gets no gradient)."""
    x = ad.tensor(_xp().asarray(np.arange(9.0).reshape(3, 3) + 1), requires_grad=True)
    m = x * 1.0
    y = m * m  # saves m
    gnp.fill_diagonal(m, 0.0)
    with pytest.raises(Exception, match="version|in-place|modified"):
        gnp.sum(y).backward()
    x.grad = None
    m = x * 1.0
    gnp.fill_diagonal(m, 0.0, wrap=True)
    gnp.sum(m * m).backward()
    want = 2 * (np.arange(9.0).reshape(3, 3) + 1)
    np.fill_diagonal(want, 0.0)
    np.testing.assert_allclose(to_numpy(x.grad), want)


# ---- gradients: float64 central differences, and gpuad.jit and gpuad.vmap against eager ----

def _fill_diag(a, v):
    a = a * 1.0
    gnp.fill_diagonal(a, v, wrap=True)
    return a


def _put_along(a, v):
    a = a * 1.0
    gnp.put_along_axis(a, A([[0], [2]]), v, 1)
    return a


def _put(a, v):
    a = a * 1.0
    gnp.put(a, [0, 4, 5], v)
    return a


x34 = np.arange(12.0).reshape(3, 4) / 7 + 0.3
GRAD_CASES = {
    "sliding_window_1d": (lambda x: gnp.sliding_window_view(x, 3) ** 2, (np.arange(6.0) / 5,)),
    "sliding_window_2d": (lambda x: gnp.sliding_window_view(x, (2, 3)), (x34,)),
    "sliding_window_axis": (
        lambda x: gnp.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(1, 1)) * x[0, 0],
        (x34,)),
    "broadcast_to": (lambda x: gnp.broadcast_to(x, (2, 3, 4)) ** 2, (x34[:1],)),
    "broadcast_arrays": (lambda x, y: gnp.stack(gnp.broadcast_arrays(x, y)) ** 2,
                         (x34[:, :1], x34[0])),
    "fill_diagonal_wrap": (_fill_diag, (np.arange(21.0).reshape(7, 3) / 4, A([1.0, 2]))),
    "put_along_axis": (_put_along, (x34[:2, :3], A([[3.0], [4]]))),
    "put": (_put, (x34[:2, :3], A([10.0, 20, 30]))),
    "take_along_axis": (lambda x: gnp.take_along_axis(x, A([[0, 2, 2, 1]]), 0), (x34,)),
    "tril": (lambda x: gnp.tril(x, -1) ** 2, (x34,)),
    "triu": (lambda x: gnp.triu(x, 2) ** 2, (x34,)),
    "diag": (lambda x: gnp.diag(x, -1), (x34,)),
    "diagflat": (lambda x: gnp.diagflat(x ** 2, 1), (x34[:2, :2],)),
    "vander": (lambda x: gnp.vander(x, 3), (A([0.5, 1.5, -2.0]),)),
    "fliplr_flipud": (lambda x: gnp.fliplr(gnp.flipud(x)) * x, (x34,)),
    "array_split": (lambda x: gnp.concatenate([p * (i + 1) for i, p in
                                               enumerate(gnp.array_split(x, 3, axis=1))],
                                              axis=1), (x34,)),
    "hsplit_vsplit_dsplit": (lambda x: gnp.stack([gnp.hsplit(x, 2)[1], gnp.vsplit(
        x[:2], 2)[0].repeat(3, 0)[:, :2] * 2, gnp.dsplit(x[..., None] * gnp.ones(2), 2)[1][
        ..., 0][:, 2:]]), (x34,)),
    "expand_dims": (lambda x: gnp.expand_dims(x, (0, -1)) * 2, (x34,)),
    "column_stack_dstack": (lambda x, y: gnp.dstack([gnp.column_stack([x, y]), gnp.column_stack(
        [y, x])]), (A([1.0, 2, 3]), A([0.5, -1, 2]))),
    "kron": (lambda a, b: gnp.kron(a, b), (x34[:2, :2], A([1.0, -2, 3]))),
    "tile": (lambda x: gnp.tile(x, (2, 1, 2)) ** 2, (x34[:2],)),
    "apply_along_axis": (lambda x: gnp.apply_along_axis(lambda v: gnp.cumsum(v * v), 1, x),
                         (x34,)),
    "apply_over_axes": (lambda x: gnp.apply_over_axes(gnp.sum, x ** 2, [0, 2]),
                        (np.arange(24.0).reshape(2, 3, 4) / 10,)),
    "fix": (lambda x: gnp.fix(x) * x, (A([1.1, 1.5, -1.8]),)),
    "r_c_": (lambda a, b: gnp.c_[gnp.r_[a, b], gnp.r_[b, a] * 2], (A([1.0, 2]), A([3.0]))),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient(backend, name):
    f, args = GRAD_CASES[name]
    check_grads(f, tuple(_xp().asarray(a) for a in args), order=2 if ALL else 1,
                modes=("rev", "fwd"))


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_jit_and_vmap(backend, name):
    """gpuad.jit of the function and of its gradient, and gpuad.vmap over two stacked
    inputs, equal the eager results."""
    f, args = GRAD_CASES[name]
    xs = tuple(_xp().asarray(a) for a in args)
    u = _xp().asarray(np.linspace(0.5, 1.5, to_numpy(f(*xs)).size).reshape(
        to_numpy(f(*xs)).shape))

    def loss(*v):
        return gnp.sum(f(*v) * u)

    argnums = tuple(range(len(xs)))
    want = ad.grad(loss, argnums=argnums)(*xs)
    got = ad.jit(ad.grad(loss, argnums=argnums))(*xs)
    for w, g in zip(want, got, strict=True):
        np.testing.assert_allclose(to_numpy(g), to_numpy(w), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_numpy(ad.jit(f)(*xs)), to_numpy(f(*xs)), rtol=1e-12)
    batch = tuple(gnp.stack([v, v * 0.5 + 0.25]) for v in xs)
    got = to_numpy(ad.vmap(f)(*batch))
    for i in range(2):
        one = to_numpy(f(*(v[i] for v in batch)))
        np.testing.assert_allclose(got[i], one, rtol=1e-12, atol=1e-14, err_msg=name)


# ---- numpy.ma and as_strided on a Tensor being recorded: an error naming what to use ------

_MA_CALLS = {
    "numpy.ma.MaskedArray": lambda t: np.ma.masked_array(t, mask=[0, 1, 0]),
    "numpy.ma.array": lambda t: np.ma.array(t, mask=[0, 1, 0]),
    "numpy.ma.masked_where": lambda t: np.ma.masked_where(A([True, False, False]), t),
    "numpy.ma.masked_invalid": lambda t: np.ma.masked_invalid(t),
    "numpy.ma.masked_equal": lambda t: np.ma.masked_equal(t, 2.0),
    "numpy.ma.sum": lambda t: np.ma.sum(t),
    "numpy.ma.mean": lambda t: np.ma.mean(t),
    "numpy.ma.exp": lambda t: np.ma.exp(t),
    "numpy.ma.where": lambda t: np.ma.where(A([True, False, True]), t, 0.0),
    "numpy.ma.concatenate": lambda t: np.ma.concatenate([t, t]),
    "numpy.ma.getdata": lambda t: np.ma.getdata(t),
    "numpy.ma.filled": lambda t: np.ma.filled(t),
    "numpy.ma.median": lambda t: np.ma.median(t),
}


@pytest.mark.parametrize("name", sorted(_MA_CALLS))
def test_numpy_ma_on_a_recorded_tensor_names_the_function(backend, name):
    """NumPy's masked arrays read the values themselves: on a Tensor being recorded they
    raise, naming the numpy.ma function called and gpuad's way to mask (never a gpuad
    function of the same name, whose meaning differs)."""
    t = ad.tensor(_xp().asarray([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(TypeError) as e:
        _MA_CALLS[name](t)
    msg = str(e.value)
    assert msg.startswith(name + " ") or msg.startswith(name + "("), msg
    assert "gnp.where" in msg and "__new__" not in msg, msg
    assert not re.search(r"gpuad\.numpy\.(ma|sum|mean|exp|where|concatenate)\b", msg), msg


def test_numpy_ma_on_values_is_numpy_ma(backend):
    """Arrays and Tensors not being recorded keep NumPy's masked arrays."""
    m = np.ma.masked_array(np.arange(3.0), mask=[0, 1, 0])
    assert float(np.ma.sum(m)) == 2.0
    if backend == "numpy":
        t = ad.tensor(np.arange(3.0))
        assert float(np.ma.masked_array(t, mask=[0, 1, 0]).sum()) == 2.0


def test_as_strided_refused_with_alternatives(backend):
    t = ad.tensor(_xp().asarray(np.arange(6.0)), requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.lib\.stride_tricks\.as_strided .*"
                                        r"sliding_window_view.*broadcast_to") as e:
        np.lib.stride_tricks.as_strided(t, (2, 3), (8, 8))
    assert "as_strided(...) instead" not in str(e.value)
    with pytest.raises(NotImplementedError, match="sliding_window_view"):
        gnp.lib.stride_tricks.as_strided(t, (2, 3), (8, 8))


def test_sliding_window_view_writeable_refused(backend):
    t = ad.tensor(_xp().asarray(np.arange(6.0)), requires_grad=True)
    with pytest.raises(NotImplementedError, match="writeable"):
        gnp.sliding_window_view(t, 2, writeable=True)
    w = gnp.sliding_window_view(t * 1.0, 2)
    with pytest.raises(ValueError, match="read-only"):
        w[0, 0] = 1.0


def test_numpy_dispatch_reaches_sliding_window_view(backend):
    """numpy.lib.stride_tricks.sliding_window_view on a Tensor is gpuad's (recorded)."""
    t = ad.tensor(_xp().asarray(np.arange(5.0)), requires_grad=True)
    w = np.lib.stride_tricks.sliding_window_view(t, 2)
    assert isinstance(w, ad.Tensor)
    gnp.sum(w).backward()
    np.testing.assert_array_equal(to_numpy(t.grad), [1.0, 2, 2, 2, 1])


# ---- test_stride_tricks' broadcast_arrays shape tables, with transposed and flipped inputs ----

_COMPATIBLE = [
    [(1,), (3,)], [(1, 3), (3, 3)], [(3, 1), (3, 3)], [(1, 3), (3, 1)], [(1, 1), (3, 3)],
    [(1, 1), (1, 3)], [(1, 1), (3, 1)], [(1, 0), (0, 0)], [(0, 1), (0, 0)], [(1, 0), (0, 1)],
    [(1, 1), (0, 0)], [(1, 1), (1, 0)], [(1, 1), (0, 1)], [(), (3,)], [(3,), (3, 3)],
    [(3,), (3, 1)], [(1,), (3, 3)], [(), (3, 3)], [(1, 1), (3,)], [(1,), (3, 1)],
    [(1,), (1, 3)], [(), (1, 3)], [(), (3, 1)], [(), (0,)], [(0,), (0, 0)], [(0,), (0, 1)],
    [(1,), (0, 0)], [(), (0, 0)], [(1, 1), (0,)], [(1,), (0, 1)], [(1,), (1, 0)],
    [(), (1, 0)], [(), (0, 1)], [(3, 3), (3, 3), (3, 3)], [(0, 3)], [(), ()],
]
_INCOMPATIBLE = [[(3,), (4,)], [(2, 3), (2,)], [(3,), (3,), (4,)], [(1, 3, 4), (2, 3, 3)]]


@pytest.mark.parametrize("tensor", [False, True], ids=["array", "tensor"])
def test_broadcast_arrays_shape_tables(backend, tensor):
    for shapes in _COMPATIBLE:
        for order in (shapes, shapes[::-1]):
            for trans, flip in ((False, False), (True, False), (False, True), (True, True)):
                if flip and () in order:
                    continue
                hosts = []
                for k, s in enumerate(order):
                    h = np.arange(float(np.prod(s))).reshape(s) + 10 * k
                    h = h.T if trans else h
                    hosts.append(h[::-1] if flip else h)
                want = np.broadcast_arrays(*hosts)
                got = gnp.broadcast_arrays(*(_conv(h, tensor) for h in hosts))
                _assert_same(list(want), [to_numpy(g) for g in got], True, f"{order}")
                assert gnp.broadcast_shapes(*(h.shape for h in hosts)) == want[0].shape
    for shapes in _INCOMPATIBLE:
        for order in (shapes, shapes[::-1]):
            with pytest.raises(ValueError):
                gnp.broadcast_arrays(*(_conv(np.zeros(s), tensor) for s in order))
            with pytest.raises(ValueError):
                gnp.broadcast_shapes(*order)
