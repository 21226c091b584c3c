"""NumPy's ufunc test files, numpy/_core/tests/test_umath.py (every class: TestDivision,
TestRemainder, TestPower, TestLog, TestExp, TestSpecialFloats, TestFPClass, TestLogAddExp,
TestHypot, TestArctan2SpecialValues, TestMaximum/TestMinimum/TestFmax/TestFmin, TestBool,
TestBitwiseUFuncs, TestSign, TestMinMax, TestAbsoluteNegative, TestSpecialMethods,
TestRationalFunctions, TestRoundingFunctions, TestComplexFunctions, ... and the module-level
tests) and numpy/_core/tests/test_ufunc.py (TestUfuncKwargs, TestUfuncGenericLoops, TestUfunc,
TestGUFuncProcessCoreDims, TestLowlevelAPIAccess, TestUFuncInspectSignature and the module-level
tests: reduce/accumulate/reduceat/outer/at, where=, out=, initial=, casting=), mapped onto
gpuad.numpy where the earlier ports (test_numpy_umath_suite.py for the values of every ufunc at
NumPy's special points, tests/test_numpy_ufunc_methods.py and test_jax_ufuncs_suite.py for the
ufunc methods) had left gaps.

Each case of ``CASES`` runs NumPy on host arrays and gpuad.numpy on the backend's arrays and on
Tensors (requiring grad where they float), and compares dtypes, shapes, values (bit for bit, NaN
positions and signed zeros included; within a few ulps where ``approx``), or the exception's
builtin class where NumPy raises. The cases marked ``grad`` are differentiated in reverse and
forward mode against float64 central differences. ``OUT_CASES`` write into ``out=`` arrays
(arrays only) and compare what was written and returned.

``GAPS`` maps every test method of both files (NumPy 2.4's, the NumPy this compares with) to
its port: "here:" a test (and case) of this file, "covered:" an earlier port, "differs:" a
deliberate difference with the test checking gpuad's behaviour, or "n/a:" why there is no
counterpart; ``test_every_gap_has_a_mapping`` checks each reference.
"""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.backends import get_backend
from gpuad.complex_rules import ComplexError
from gpuad.testing import check_grads

A = np.array


def _dev(a):
    be = get_backend()
    return a if be.name == "numpy" or not isinstance(a, np.ndarray) else be.asarray(a)


def _tensor(a):
    a = np.asarray(a)
    return ad.tensor(_dev(a), requires_grad=a.dtype.kind in "fc")


class Case:
    def __init__(self, fn, *args, tensor=True, approx=False, grad=False):
        self.fn, self.args = fn, args
        self.tensor, self.approx, self.grad = tensor, approx, grad


def _flat(r):
    if isinstance(r, tuple | list):
        return [x for v in r for x in _flat(v)]
    return [r]


def _same(got, want, approx, label):
    got = [np.asarray(to_numpy(g)) for g in _flat(got)]
    want = [np.asarray(w) for w in _flat(want)]
    assert len(got) == len(want), label
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape, (
            label,
            g.dtype,
            g.shape,
            w.dtype,
            w.shape,
        )
        if w.dtype.kind in "fc" and approx:
            tol = 4 * np.finfo(w.dtype).eps
            np.testing.assert_allclose(g, w, rtol=tol, atol=0, equal_nan=True, err_msg=label)
            continue
        np.testing.assert_array_equal(g, w, err_msg=label)
        if w.dtype.kind == "f":
            assert np.array_equal(np.signbit(g), np.signbit(w)), (label, g, w)


def _run(m, case, conv):
    args = [conv(a) if isinstance(a, np.ndarray) else a for a in case.args]
    return case.fn(m, *args)


def _compare(case, label, convs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want, err = case.fn(np, *case.args), None
        except Exception as e:  # noqa: BLE001  (NumPy's exception class is compared)
            want, err = None, e
        for conv in convs:
            if err is not None:
                with pytest.raises((type(err), *_BUILTIN_OF(err))):
                    _run(gnp, case, conv)
                continue
            _same(_run(gnp, case, conv), want, case.approx, label)


def _BUILTIN_OF(err):  # noqa: N802
    """The builtin classes NumPy's exception derives from (AxisError is a ValueError and an
    IndexError; UFuncTypeError a TypeError)."""
    return tuple(
        c
        for c in type(err).__mro__
        if c.__module__ == "builtins" and issubclass(c, Exception) and c is not Exception
    )


X = np.arange(1.0, 25.0).reshape(2, 3, 4)
W = A([True, False, True, True])
NAN3 = A([np.nan, 1.0, 2.0, np.nan, 3.0, -np.inf])


_COMPLEX_FNS = (
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "exp",
    "log",
    "log10",
    "log2",
    "expm1",
    "sqrt",
    "square",
    "reciprocal",
    "exp2",
)  # (log1p: test_complex_log1p_near_zero)
#: TestComplexFunctions' points: near 0 (loss of precision), on and off the branch cuts
Z = A(
    [
        1e-20 + 1e-20j,
        1e-7 - 3e-8j,
        0.5 + 0.5j,
        -2 + 1j,
        3 - 4j,
        1e-5j,
        -0.3 - 0.9j,
        0.999 + 1e-9j,
        20 + 1j,
    ]
)


def _at(name, idx):
    """``name.at`` as a value: NumPy's in place on a copy, gpuad.numpy's returned."""

    def f(m, a, *b):
        if m is np:
            c = a.copy()
            getattr(np, name).at(c, idx, *b)
            return c
        return getattr(m, name).at(a, _dev(idx) if isinstance(idx, np.ndarray) else idx, *b)

    return f


CASES = {
    # ---- TestUfunc: reductions ---------------------------------------------------------------
    "sum_initial": Case(
        lambda m, a: (
            m.add.reduce(a, initial=10.0),
            m.sum(a, initial=10.0),
            m.sum(a, axis=1, initial=-1.0),
        ),
        X,
        grad=True,
    ),
    "sum_initial_int": Case(lambda m, a: m.add.reduce(a, initial=10), A([1, 2, 3], np.int8)),
    "sum_where": Case(
        lambda m, a: (
            m.add.reduce(a, axis=-1, where=W),
            m.sum(a, where=W),
            m.sum(a, axis=(0, 2), where=W, initial=5.0),
        ),
        X,
        grad=True,
    ),
    "zerosize_reduction": Case(
        lambda m, a: (
            m.add.reduce(a, axis=0),
            m.multiply.reduce(a),
            m.maximum.reduce(a, axis=1),
            m.minimum.reduce(a, axis=0, initial=3.0),
            m.logaddexp2.reduce(a, axis=0),
        ),
        np.zeros((0, 3)),
    ),
    "zerosize_reduction_no_identity": Case(
        lambda m, a: m.maximum.reduce(a, axis=0), np.zeros((0, 3))
    ),
    "axis_out_of_bounds": Case(lambda m, a: m.add.reduce(a, axis=3), X),
    "axis_out_of_bounds_neg": Case(lambda m, a: m.add.accumulate(a, axis=-4), X),
    "scalar_reduction": Case(
        lambda m, a: (
            m.add.reduce(a),
            m.maximum.reduce(a, axis=-1),
            m.add.reduce(a, axis=None),
            m.sum(a, keepdims=True),
            m.multiply.reduce(a, axis=()),
        ),
        A(3.0),
        grad=True,
    ),
    "scalar_reduction_tuple_axis": Case(lambda m, a: m.add.reduce(a, axis=(0,)), A(3.0)),
    "scalar_accumulate": Case(lambda m, a: m.add.accumulate(a), A(3.0)),
    "identityless_reduction": Case(
        lambda m, a: (
            m.minimum.reduce(a, axis=(0, 2)),
            m.minimum.reduce(a, axis=None),
            m.maximum.reduce(a, axis=(), keepdims=True),
        ),
        X,
        grad=True,
    ),
    "identityless_reduction_empty": Case(
        lambda m, a: m.minimum.reduce(a, axis=(0, 2)), np.zeros((3, 0, 2))
    ),
    "identityless_reduction_nonreorderable": Case(
        lambda m, a: m.subtract.reduce(a, axis=(0, 1)), X
    ),
    "reduce_zero_axis": Case(
        lambda m, a: (
            m.add.reduce(a, axis=1),
            m.maximum.reduce(a, axis=0),
            m.maximum.reduce(a, axis=0, keepdims=True),
        ),
        np.zeros((5, 0)),
    ),
    "reduce_zero_axis_fails": Case(lambda m, a: m.maximum.reduce(a, axis=1), np.zeros((5, 0))),
    "initial_reduction": Case(
        lambda m, a: (
            m.maximum.reduce(a, initial=2.5),
            m.minimum.reduce(a, axis=0, initial=1),
            m.add.reduce(a, initial=None),
        ),
        A([4.0, 2.0, 3.0]),
        grad=True,
    ),
    "initial_none_no_identity": Case(lambda m, a: m.add.reduce(a, initial=None), np.zeros(0)),
    "initial_nan": Case(
        lambda m, a: (
            m.maximum.reduce(a, initial=np.nan),
            m.max(a, initial=np.nan),
            m.min(a, initial=np.nan),
        ),
        A([1.0, 2.0]),
    ),
    "empty_reduction_and_identity": Case(
        lambda m, a: (
            m.maximum.reduce(a, initial=0.0),
            m.add.reduce(a),
            m.multiply.reduce(a),
            m.logical_or.reduce(a, initial=True),
        ),
        np.zeros((0,)),
    ),
    "reduction_with_where": Case(
        lambda m, a: m.add.reduce(a, axis=(0, 1, 2), where=A([[True], [False], [True]])),
        X,
        grad=True,
    ),
    "reduction_with_where_and_initial": Case(
        lambda m, a: m.maximum.reduce(
            a, axis=1, where=A([[True, False, False, True], [False] * 4, [True] * 4]), initial=-5.0
        ),
        X[0],
        grad=True,
    ),
    "reduction_where_initial_needed": Case(lambda m, a: m.maximum.reduce(a, where=W), X),
    "reduction_where_not_bool": Case(lambda m, a: m.add.reduce(a, where=A([1, 0, 1, 0])), X),
    "reduce_arguments": Case(
        lambda m, a: (
            m.add.reduce(a, 0, None, None, False),
            m.add.reduce(a, 1, np.float32),
            m.add.reduce(a, axis=-1, keepdims=True),
        ),
        X,
    ),
    "reduce_arguments_twice": Case(lambda m, a: m.add.reduce(a, 0, axis=0), X),
    "reduce_arguments_unknown": Case(lambda m, a: m.add.reduce(a, foo=1), X),
    "reduce_dtype": Case(
        lambda m, a: (
            m.add.reduce(a, dtype=np.float32),
            m.add.reduce(a, dtype=np.int8),
            m.multiply.reduce(a),
        ),
        A([100, 100, 3], np.int16),
    ),
    "reduce_bool": Case(
        lambda m, a: (
            m.add.reduce(a),
            m.multiply.reduce(a),
            m.add.accumulate(a),
            m.logical_and.reduce(a),
            m.logical_xor.accumulate(a),
        ),
        A([True, True, False]),
    ),
    "sum_stability": Case(
        lambda m, a: (m.sum(a), m.add.reduce(a)), np.full(100000, 0.1, np.float32), approx=True
    ),
    "cumsum": Case(
        lambda m, a: (m.cumsum(a), m.add.accumulate(a)),
        A([0.1, 0.2, 0.3] * 5),
        approx=True,
        grad=True,
    ),
    "zero_size_accumulate": Case(
        lambda m, a: (m.add.accumulate(a), m.maximum.accumulate(a)), np.zeros(0)
    ),
    "accumulate_nonreorderable": Case(
        lambda m, a: (
            m.subtract.accumulate(a),
            m.divide.accumulate(a, axis=1),
            m.power.accumulate(a[:, :2], axis=1),
        ),
        X[0] / 4,
        approx=True,
        grad=True,
    ),
    "reduceat": Case(
        lambda m, a: (
            m.add.reduceat(a, A([0, 2, 2, 5, 1])),
            m.maximum.reduceat(a, A([0, 3, 1, 4])),
            m.subtract.reduceat(a, A([0, 3, 1, 4])),
            m.multiply.reduceat(a, A([4, 1])),
        ),
        np.arange(1.0, 7.0),
        grad=True,
    ),
    "reduceat_shifting_sum": Case(
        lambda m, a: m.add.reduceat(a, A([0, 2, 2, 3, 5, 1])), np.arange(6.0), grad=True
    ),
    "reduceat_axis": Case(
        lambda m, a: (
            m.add.reduceat(a, A([0, 1]), axis=1),
            m.multiply.reduceat(a, A([0, 2]), axis=-1, dtype=np.float32),
        ),
        X[0],
    ),
    "reduceat_empty": Case(
        lambda m, a: (m.add.reduceat(a, A([], np.intp), axis=0), m.add.reduceat(a, A([0]), axis=1)),
        np.zeros((0, 3)),
    ),
    "negative_value_raises": Case(lambda m, a: m.add.reduceat(a, A([-1])), np.arange(6.0)),
    "reduceat_out_of_bounds": Case(lambda m, a: m.add.reduceat(a, A([7])), np.arange(6.0)),
    "reduceat_float_indices": Case(lambda m, a: m.add.reduceat(a, A([0.0, 1.0])), np.arange(6.0)),
    "reduceat_2d_indices": Case(lambda m, a: m.add.reduceat(a, A([[0, 2]])), np.arange(6.0)),
    # ---- TestUfunc: outer, at -----------------------------------------------------------------
    "outer": Case(
        lambda m, a, b: (
            m.add.outer(a, b),
            m.subtract.outer(b, a[0]),
            m.multiply.outer(a[0, 0, 0], b),
        ),
        X,
        A([1.0, -2.0]),
        grad=True,
    ),
    "outer_two_outputs": Case(lambda m, a, b: m.divmod.outer(a[0, 0], b), X, A([1.5, -2.0])),
    "outer_unary": Case(lambda m, a: m.negative.outer(a, a), A([1.0, 2.0])),
    "ufunc_at_basic": Case(_at("add", A([0, 0, 1])), np.arange(1.0, 6.0), A(1.5), grad=True),
    "ufunc_at_negative": Case(
        _at("add", A([-1, -1, 0])), np.arange(5.0), A([1.0, 2.0, 3.0]), grad=True
    ),
    "ufunc_at_multiD": Case(
        _at("add", (A([0, 2, 0]), A([1, 3, 1]))), X[0], A([10.0, 20.0, 30.0]), grad=True
    ),
    "ufunc_at_multiD_slice": Case(
        _at("multiply", (slice(None), A([1, 1]))), X[0], A(2.0), grad=True
    ),
    "ufunc_at_ellipsis": Case(_at("add", (Ellipsis, 0)), X[0], A(1.0), grad=True),
    "ufunc_at_0D": Case(_at("add", ()), A(3.0), A(1.0), grad=True),
    "ufunc_at_boolean": Case(
        _at("add", A([True, False, True, False])), np.arange(4.0), A(1.0), grad=True
    ),
    "ufunc_at_advanced": Case(
        _at("add", A([[0, 1], [1, 1]])), np.arange(4.0), A([[1.0, 2.0], [3.0, 4.0]]), grad=True
    ),
    "ufunc_at_large": Case(_at("add", A([0] * 1000 + [3] * 7)), np.zeros(5), A(1.0)),
    "ufunc_at_inner_loops": Case(
        lambda m, a, b: tuple(
            _at(n, A([0, 0, 2]))(m, a, b)
            for n in ("subtract", "multiply", "divide", "minimum", "maximum", "power", "hypot")
        ),
        np.arange(1.0, 5.0),
        A([2.0, 0.5, 3.0]),
        approx=True,
        grad=True,
    ),
    "ufunc_at_inner_loops_complex": Case(
        lambda m, a, b: tuple(
            _at(n, A([1, 1, 2]))(m, a, b) for n in ("add", "subtract", "multiply", "divide")
        ),
        np.arange(4.0) + 1j,
        A([2.0, 2.0 + 1j, 0.5j]),
        approx=True,
    ),
    "ufunc_at_unary": Case(
        lambda m, a: (_at("negative", A([0, 0, 2]))(m, a), _at("exp", A([1]))(m, a)),
        np.arange(4.0),
        approx=True,
        grad=True,
    ),
    "ufunc_at_dtypes": Case(
        lambda m, a, f: (
            _at("add", A([0, 0]))(m, a, A(1.5)),
            _at("multiply", A([0, 0]))(m, a, A(2.5)),
            _at("add", A([0, 0]))(m, f, A(1e-9)),
        ),
        A([-3, 2, 5]),
        np.arange(3.0, dtype=np.float32),
    ),
    "at_negative_indexes": Case(_at("add", A([-1, 1, -1, 2])), np.arange(4.0), A(1.0)),
    "at_index_out_of_bounds": Case(_at("add", A([5])), np.arange(4.0), A(1.0)),
    "at_float_index": Case(_at("add", A([1.0])), np.arange(4.0), A(1.0)),
    "at_no_loop_for_op": Case(_at("add", A([0])), np.zeros(2, bool), A(1.0)),
    "at_binary_without_b": Case(_at("add", A([1])), np.arange(4.0)),
    "at_unary_with_b": Case(_at("negative", A([1])), np.arange(4.0), A(1.0)),
    "at_broadcast_failure": Case(_at("add", A([0, 1])), np.arange(4.0), A([1.0, 2.0, 3.0])),
    # ---- TestUfunc: calls ---------------------------------------------------------------------
    "true_divide": Case(
        lambda m, a, b: (m.true_divide(a, b), m.divide(a.astype(np.uint16), b), m.divide(a, 2)),
        A([1, 2, -7], np.int8),
        A([2, 3, 2], np.int8),
    ),
    "broadcast": Case(
        lambda m, a, b: (m.add(a, b), m.arctan2(a, b[:, :1]), m.hypot(a[0], b)),
        X[0],
        X[1, :, :1] * 0.5,
        approx=True,
        grad=True,
    ),
    "broadcast_error": Case(lambda m, a, b: m.add(a, b), np.ones((2, 3)), np.ones((3, 2))),
    "incontiguous_array": Case(
        lambda m, a, b: (
            m.arctan2(a[::2], b[1::3]),
            m.exp(a[::-3]),
            m.add(X.transpose(2, 0, 1), 1.0),
        ),
        np.linspace(-3, 3, 12),
        np.linspace(-2, 5, 18),
        approx=True,
    ),
    "endian": Case(
        lambda m, a, i: (m.add(a, 1.0), m.sin(a), m.add(i, 1), m.add.reduce(a)),
        A([1.0, 2.0], ">f8"),
        A([1, 2], ">i4"),
        approx=True,
    ),
    "cast_safety": Case(
        lambda m, a: (m.add(a, 1, dtype=np.float32), m.add(a, 1, dtype=np.int64, casting="unsafe")),
        A([1.5, 2.5]),
    ),
    "cast_safety_error": Case(lambda m, a: m.add(a, 1, dtype=np.int32), A([1.5, 2.5])),
    "cast_safety_casting_no": Case(
        lambda m, a, b: m.add(a, b, casting="no"), A([1], np.int8), A([1], np.int16)
    ),
    "cast_safety_bad_casting": Case(lambda m, a: m.add(a, 1, casting="nope"), A([1.0])),
    "kwarg_exact": Case(lambda m, a: m.add(a, 1, castin="unsafe"), A([1.0])),
    "invalid_args": Case(lambda m: m.sqrt(None)),
    "NotImplemented_not_returned": Case(lambda m, a: m.add(a, 1), A(["a"])),
    "vecdot": Case(
        lambda m, a, b: (m.vecdot(a, b), m.vecdot(a, a, axis=0), m.vecdot(a, b, keepdims=True)),
        X,
        X[0, 0] / 3,
        grad=True,
    ),
    "matvec": Case(
        lambda m, a, b: (m.matvec(a, b), m.vecmat(b, a.transpose(0, 2, 1))),
        X,
        X[0, 0] / 3,
        grad=True,
    ),
    "vecdot_matvec_vecmat_complex": Case(
        lambda m, a, b: (m.vecdot(a, b), m.matvec(a, b[0, 0]), m.vecmat(b[0, :, 0], a)),
        X + 1j * X[::-1],
        X / 2 - 3j,
        approx=True,
    ),
    "matmul_umath_empty": Case(lambda m, a, b: m.matmul(a, b), np.zeros((2, 0)), np.zeros((0, 3))),
    "addition_negative_zero": Case(
        lambda m, a, b: (m.add(a, b), m.add(b, a), a + b, m.add.reduce(b)),
        A([0.0, -0.0, -0.0], np.float32),
        A([-0.0, 0.0, -0.0], np.float32),
    ),
    "scalar_equal": Case(
        lambda m, a: (m.equal(a, 1), m.equal(a, a), m.not_equal(a, 1.5)), A([1, 2])
    ),
    # ---- test_umath -----------------------------------------------------------------------
    "constants": Case(lambda m: (A(m.pi), A(m.e), A(m.euler_gamma))),
    "comparison_functions": Case(
        lambda m, a, b, c: tuple(
            f(x, y)
            for f in (m.equal, m.not_equal, m.less, m.less_equal, m.greater, m.greater_equal)
            for x, y in ((a, b), (a, 1.5), (b, a), (c, c[::-1]))
        ),
        A([1.0, 2.0, np.nan]),
        A([2.0, 2.0, 1.0]),
        A([1, 2, 3], np.int8),
    ),
    "large_integer_direct_comparison": Case(
        lambda m, a, b: (m.equal(a, b), m.less(a, b), a == 2**53, m.equal(a, 2**64), a < 2**64),
        A([2**53 + 1, 2**53], np.int64),
        A([2.0**53, 2.0**53]),
    ),
    "unsigned_signed_direct_comparison": Case(
        lambda m, a, b: (
            m.greater(a, b),
            m.less(a, -1),
            m.equal(a, b),
            m.less(A([2**63], np.uint64), -1),
        ),
        A([0, 255], np.uint8),
        A([-1, 127], np.int8),
    ),
    "complex_nan_comparisons": Case(
        lambda m, a, b: (m.less(a, b), m.greater_equal(a, b), m.equal(a, b), m.not_equal(a, a)),
        A([complex(np.nan, 1), 1 + 2j, complex(1, np.nan)]),
        A([complex(1, np.nan), 1 + 1j, 1 + 0j]),
    ),
    "minmax_reduce": Case(
        lambda m, a: (
            m.maximum.reduce(a),
            m.minimum.reduce(a),
            m.fmax.reduce(a),
            m.fmin.reduce(a),
            m.maximum.accumulate(a),
            m.fmin.accumulate(a),
        ),
        A([1.0, 5.0, -2.0, 5.0, 0.5]),
        grad=True,
    ),
    "minmax_float_nans": Case(
        lambda m, a: (
            m.maximum.reduce(a),
            m.minimum.reduce(a),
            m.fmax.reduce(a),
            m.fmin.reduce(a),
            m.maximum.accumulate(a),
            m.fmax.accumulate(a),
            m.max(a),
            m.min(a),
        ),
        NAN3,
    ),
    "minmax_all_nan": Case(lambda m, a: (m.fmax.reduce(a), m.fmin.reduce(a)), A([np.nan, np.nan])),
    "minmax_reduce_reorder": Case(
        lambda m, a: tuple(m.maximum.reduce(a[i:]) for i in range(5)), NAN3
    ),
    "minmax_blocked": Case(
        lambda m, a: tuple(
            m.maximum.reduce(m.where(np.arange(37) == i, np.nan, a)) for i in (0, 17, 36)
        ),
        np.linspace(-1, 1, 37),
    ),
    "minmax_strided": Case(
        lambda m, a, b: (m.maximum(a[::2], b[::3]), m.fmin(a[::-2], b[:6])),
        np.linspace(-1, 1, 12),
        np.linspace(1, -1, 18),
        grad=True,
    ),
    "minmax_complex": Case(
        lambda m, a, b: (m.maximum(a, b), m.fmin(a, b), m.maximum.reduce(a), m.minimum.reduce(b)),
        A([1 + 2j, 1 + 1j, complex(np.nan, 0)]),
        A([1 + 1j, 1 + 2j, 2 + 0j]),
        tensor=False,
    ),
    "minmax_precision": Case(
        lambda m, a, b: (m.maximum(a, b), m.minimum(a, b), m.fmax(a, b), m.fmin(b, a)),
        A([np.nextafter(1.0, 2), 5e-324, -0.0, 0.0]),
        A([1.0, 0.0, 0.0, -0.0]),
    ),
    "logaddexp_reduce": Case(
        lambda m, a: (
            m.logaddexp.reduce(a),
            m.logaddexp2.reduce(a),
            m.hypot.reduce(a),
            m.logaddexp.accumulate(a),
        ),
        A([0.5, -1.0, 3.0, 2.5]),
        approx=True,
        grad=True,
    ),
    "bool_reduce": Case(
        lambda m, a: (
            m.logical_or.reduce(a),
            m.logical_and.reduce(a),
            m.logical_xor.reduce(a),
            m.bitwise_or.reduce(a),
            m.logical_or.reduce(a[:0]),
            m.logical_and.reduce(a[:0]),
        ),
        A([False, True, True]),
    ),
    "logical_reduce_nonbool": Case(
        lambda m, a, i: (
            m.logical_or.reduce(a),
            m.logical_and.reduce(i),
            m.logical_and.accumulate(a),
        ),
        A([0.0, 2.0, -1.0]),
        A([1, 2, 0]),
    ),
    "bitwise_reduction": Case(
        lambda m, a: (
            m.bitwise_xor.reduce(a, axis=None),
            m.bitwise_and.reduce(a, axis=1),
            m.bitwise_or.reduce(a[:0]),
            m.bitwise_and.reduce(a[:0].astype(np.uint8)),
        ),
        A([[1, 3], [7, 15]]),
    ),
    "gcd_reduce": Case(
        lambda m, a: (m.gcd.reduce(a, axis=(0, 1)), m.lcm.reduce(a, axis=0)), A([[12, 18], [30, 6]])
    ),
    "rounding_output_dtype": Case(
        lambda m, i, u, b, h: (
            tuple(f(x) for f in (m.floor, m.ceil, m.trunc, m.rint) for x in (i, u, h))
            + (m.floor(b),)
        ),
        A([1, -2], np.int16),
        A([1, 2], np.uint8),
        A([True, False]),
        A([1.5, -2.5], np.float16),
    ),
    "rint_big_int": Case(
        lambda m, a, f: (m.rint(a), m.rint(f)),
        A([2**53 + 1], np.int64),
        A([2.0**52 + 0.5, -(2.0**52) - 0.5, 4503599627370497.0]),
    ),
    "pos_nan": Case(
        lambda m, a: (m.positive(a), m.negative(a), m.absolute(a)), A([np.nan, -np.nan, -0.0])
    ),
    "positive_invalid": Case(lambda m, a: m.positive(a), A([True])),
    "hypot_error_message_single_arg": Case(lambda m, a: m.hypot(a), A([1.0])),
    "hypot_error_message_multiple_args": Case(lambda m, a: m.hypot(a, a, a, a), A([1.0])),
    "power_fast_paths": Case(
        lambda m, a: (a**0.5, a**-1, a**2, a**1, a**0, a**-0.5, a**3, m.power(a, 2.0)),
        A([0.0, 1.5, -2.0, np.inf, np.nan]),
        approx=True,
    ),
    "power_fast_paths_f32": Case(
        lambda m, a: (a**0.5, a**-1, a**2, a**1, a**0, a**-0.5),
        A([0.0, 1.5, -2.0, np.inf, np.nan], np.float32),
        approx=True,
    ),
    "float_to_inf_power": Case(
        lambda m, a, b: m.power(a, b),
        A([0.5, 1.0, 2.0, -0.5, -1.0, -2.0, 0.5, 2.0]),
        A([np.inf] * 6 + [-np.inf] * 2),
    ),
    "float_power_type_conversion": Case(
        lambda m, a, f, c: (m.float_power(a, a), m.float_power(f, f), m.float_power(c, f)),
        A([2, 3], np.int8),
        A([2.0, 3.0], np.float32),
        A([2.0, 1j], np.complex64),
    ),
    "complex_division_ops": Case(
        lambda m, a, b: (m.floor_divide(a, b), m.remainder(a, b), m.divmod(a, b), m.fmod(a, b)),
        A([1 + 1j]),
        A([1 + 1j]),
    ),
    "ldexp_overflow": Case(
        lambda m, a, b: m.ldexp(a, b), A([2.0, -2.0, 2.0]), A([2**40, 2**40, -(2**40)])
    ),
    "sum_dtypes": Case(
        lambda m, h, f, d, c: (
            m.sum(h),
            m.sum(f),
            m.sum(d),
            m.sum(c),
            m.add.reduce(f[::-1]),
            m.sum(c, axis=0),
        ),
        (np.arange(1, 128) / 16).astype(np.float16),
        (np.arange(1, 1001) / 16).astype(np.float32),
        np.arange(1, 1001) / 16,
        np.arange(1, 100) / 8 - 2j * np.arange(99),
        approx=True,
        grad=True,
    ),
    "complex_functions": Case(
        lambda m, z: tuple(getattr(m, f)(z) for f in _COMPLEX_FNS), Z, approx=True
    ),
    "complex_functions_c64": Case(
        lambda m, z: tuple(getattr(m, f)(z) for f in _COMPLEX_FNS),
        Z.astype(np.complex64),
        approx=True,
    ),
    "memoverlap_accumulate": Case(
        lambda m, a: (m.add.accumulate(a), m.maximum.accumulate(a), m.greater.accumulate(a > 2)),
        A([1.0, 3.0, 2.0, 5.0]),
        grad=True,
    ),
}

#: out= cases (arrays only: ``out`` is made by the library under test)
OUT_CASES = {
    "out_broadcasts": Case(lambda m, a: m.add(a, 1.0, out=m.zeros((2, 3))), A([1.0, 2.0, 3.0])),
    "out_broadcast_errors": Case(lambda m, a: m.add(a, 1.0, out=m.zeros((3,))), np.ones((2, 3))),
    "output_argument": Case(
        lambda m, a: (
            m.sin(a, m.zeros(2)),
            m.sin(a, out=(m.zeros(2),)),
            m.modf(a, m.zeros(2), m.zeros(2)),
            m.modf(a, out=(None, m.zeros(2))),
            m.divmod(a, 2.0, out=(m.zeros(2), None)),
        ),
        A([1.5, -2.25]),
    ),
    "output_argument_count": Case(lambda m, a: m.modf(a, out=(m.zeros(2),)), A([1.5])),
    "output_ellipsis": Case(
        lambda m, a: (
            m.sin(a, out=...),
            m.add(a, 1.0, out=...),
            m.sin(a[0], out=...),
            m.add.reduce(a, out=...),
            m.add.accumulate(a, out=...),
            m.add.reduceat(a, A([0, 1]), out=...),
        ),
        A([1.0, 2.0]),
    ),
    "output_ellipsis_positional": Case(lambda m, a: m.add(a, 1.0, ...), A([1.0, 2.0])),
    "output_ellipsis_in_tuple": Case(lambda m, a: m.negative(a, out=(...,)), A([1.0, 2.0])),
    "output_ellipsis_in_divmod": Case(
        lambda m, a: m.divmod(a, 2.0, out=(m.zeros(2), ...)), A([1.0, 2.0])
    ),
    "output_ellipsis_reduce_tuple": Case(lambda m, a: m.add.reduce(a, out=(...,)), A([1.0, 2.0])),
    "where_param": Case(
        lambda m, a: m.add(a, 1.0, out=m.full(4, -1.0), where=A([True, False, True, False])),
        A([1.0, 2.0, 3.0, 4.0]),
    ),
    "where_with_broadcasting": Case(
        lambda m, a: m.add(a, 1.0, out=m.zeros((2, 3)), where=A([True, False, True])),
        np.ones((2, 3)),
    ),
    "casting_out_param": Case(
        lambda m, a: (
            m.add(a, 1.0, out=m.zeros(2, np.int64), casting="unsafe"),
            m.add(a, 1.0, out=m.zeros(2, np.float32)),
        ),
        A([1.5, 2.5]),
    ),
    "safe_casting": Case(lambda m, a: m.add(a, 1.0, out=m.zeros(2, np.int64)), A([1.5, 2.5])),
    "safe_casting_safe": Case(
        lambda m, a: m.add(a, 1.0, out=m.zeros(2, np.float32), casting="safe"), A([1.5, 2.5])
    ),
    "logical_ufuncs_out_cast_check": Case(
        lambda m, a: m.logical_and(a, a, out=m.zeros(2)), A([1.0, 0.0])
    ),
    "reducelike_out_promotes": Case(
        lambda m, a, f, b: (
            m.add.reduce(a, out=m.zeros((), np.uint16)),
            m.multiply.reduce(A([2] * 10, np.uint8), out=m.zeros((), np.uint16)),
            m.add.reduce(f, out=m.zeros(())),
            m.multiply.reduce(b, out=m.zeros((), np.float32)),
            m.multiply.reduce(b, out=m.zeros((), np.float32), dtype=np.float32),
        ),
        np.ones(1000, np.uint8),
        A([0.1, 0.2, 0.3], np.float32),
        np.full(5, 2**25 - 1),
    ),
    "reduce_noncontig_output": Case(
        lambda m, a: m.add.reduce(a, axis=0, out=m.zeros((3, 2))[:, 0]),
        np.arange(6.0).reshape(2, 3),
    ),
    "reduce_wrong_dimension_output": Case(
        lambda m, a: m.add.reduce(a, axis=0, out=m.zeros((1, 3))), np.ones((2, 3))
    ),
    "reduce_output_does_not_broadcast_input": Case(
        lambda m, a: m.add.reduce(a, axis=0, keepdims=True, out=m.zeros((2, 3))), np.ones((1, 3))
    ),
    "reduce_out_keepdims": Case(
        lambda m, a: m.add.reduce(a, axis=0, keepdims=True, out=m.zeros((1, 3))), np.ones((2, 3))
    ),
    "reduceat_and_accumulate_out_shape_mismatch": Case(
        lambda m, a: m.add.accumulate(a, out=m.zeros((5,))), np.ones(4)
    ),
    "reduceat_out_shape_mismatch": Case(
        lambda m, a: m.add.reduceat(a, A([0, 2]), out=m.zeros((3,))), np.ones(4)
    ),
    "matvec_vecmat_out": Case(
        lambda m, a, b: (
            m.matvec(a, b, out=b),
            b.copy(),
            m.vecmat(b, a, out=b),
            m.vecdot(a[:, 0], b, out=m.zeros(2)),
        ),
        np.arange(18.0).reshape(2, 3, 3),
        np.arange(6.0).reshape(2, 3),
    ),
    "where_param_buffer_output": Case(
        lambda m, a: m.add(a, a, out=m.zeros(10, np.complex128), where=np.arange(10) < 5),
        np.ones(10, np.int64),
    ),
    "sincos_overlaps": Case(
        lambda m, a: (m.sin(a[:-1], out=a[1:]), a.copy(), m.cos(a[1:], out=a[:-1]), a.copy()),
        np.linspace(-3.0, 3.0, 9),
    ),
    "memoverlap_accumulate_out": Case(
        lambda m, a: (m.add.accumulate(a, out=a), a.copy()), np.arange(5.0)
    ),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_values(backend, key):
    case = CASES[key]
    convs = [_dev] + ([_tensor] if case.tensor else [])
    _compare(case, key, convs)


@pytest.mark.parametrize("key", sorted(OUT_CASES))
def test_out(backend, key):
    case = OUT_CASES[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want, err = case.fn(np, *[a.copy() for a in case.args]), None
        except Exception as e:  # noqa: BLE001
            want, err = None, e
        args = [_dev(a.copy()) for a in case.args]
        if err is not None:
            with pytest.raises((type(err), *_BUILTIN_OF(err))):
                case.fn(gnp, *args)
            return
        _same(case.fn(gnp, *args), want, True, key)


GRAD_KEYS = sorted(k for k, c in CASES.items() if c.grad)


@pytest.mark.parametrize("key", GRAD_KEYS)
def test_grads(backend, key):
    """The float inputs of the case varied, the others fixed: reverse and forward mode
    against float64 central differences."""
    case = CASES[key]
    fl = [i for i, a in enumerate(case.args) if a.dtype.kind in "fc"]

    def f(*xs):
        args = list(case.args)
        for i, x in zip(fl, xs, strict=True):
            args[i] = x
        outs = [
            o
            for o in _flat(case.fn(gnp, *args))
            if np.dtype(getattr(o, "dtype", np.float64)).kind in "fc"
        ]
        return tuple(outs)

    # points away from ties and kinks: shift each input by a small irrational amount
    xs = tuple(
        _dev(
            case.args[i]
            + (math.sqrt(2) - 1) * 1e-3 * np.arange(case.args[i].size).reshape(case.args[i].shape)
        )
        for i in fl
    )
    check_grads(f, xs, order=1, modes=("rev", "fwd"))


def test_pickle_by_reference(backend):
    """NumPy's ufuncs pickle by name; gpuad.numpy's ufunc functions too, and the unpickled
    object is the same one, methods included."""
    import pickle

    for name in ("sin", "add", "maximum", "logaddexp"):
        f = getattr(gnp, name)
        assert pickle.loads(pickle.dumps(f)) is f
        assert pickle.loads(pickle.dumps(getattr(np, name))) is getattr(np, name)
    x = A([1.0, 2.5, -3.0])
    _same(pickle.loads(pickle.dumps(gnp.add)).reduce(_dev(x)), np.add.reduce(x), False, "add")


# ---- deliberate differences -------------------------------------------------------------------


def test_complex_log1p_near_zero(backend):
    """Complex log1p near 0 (TestComplexFunctions.test_loss_of_precision): gpuad's keeps the
    real part (mpmath's value within a few ulps, Tensors too) where NumPy 2.4's computes
    log(1 + z) and loses it (log1p(1e-20+1e-20j) has real part 0 there)."""
    mpmath = pytest.importorskip("mpmath")
    z = A([1e-20 + 1e-20j, 1e-7 - 3e-8j, 1e-5j, -3e-9 + 2e-9j, 0.5 + 0.5j])
    with mpmath.workdps(40):
        want = A([complex(mpmath.log1p(mpmath.mpc(v))) for v in z])
    for conv in (_dev, _tensor):
        got = to_numpy(gnp.log1p(conv(z)))
        np.testing.assert_allclose(got.real, want.real, rtol=1e-14)
        np.testing.assert_allclose(got.imag, want.imag, rtol=1e-14)
    assert np.log1p(z[:1]).real[0] == 0.0  # NumPy's loss of the real part
    check_grads(gnp.log1p, (_dev(z),), order=1, modes=("rev", "fwd"))


def test_where_without_out_raises(backend):
    """NumPy leaves the unselected entries of ``add(a, b, where=mask)`` uninitialised; gpuad
    raises and says to pass out= or use gnp.where."""
    a = _dev(A([1.0, 2.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (NumPy warns of the uninitialised entries)
        assert np.add(A([1.0, 2.0]), 1.0, where=A([True, False])).shape == (2,)
    with pytest.raises(TypeError, match="out="):
        gnp.add(a, 1.0, where=_dev(A([True, False])))


def test_gufunc_axes_keyword(backend):
    """NumPy's gufunc keywords axes=/axis= of matmul (and axes= of vecdot) pick the core
    dimensions: NumPy's values, and the gradient through them."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4, 2)), rng.standard_normal((4, 5, 2))
    want = np.matmul(a, b, axes=[(0, 1), (0, 1), (0, 1)])
    got = gnp.matmul(_dev(a), _dev(b), axes=[(0, 1), (0, 1), (0, 1)])
    np.testing.assert_allclose(to_numpy(got), want)
    np.testing.assert_allclose(to_numpy(gnp.vecdot(_dev(a), _dev(a), axes=[0, 0, ()])),
                               np.vecdot(a, a, axes=[0, 0, ()]))
    check_grads(lambda x, y: gnp.matmul(x, y, axes=[(0, 1), (0, 1), (0, 1)]), [a, b])


def test_signature_keyword_refused(backend):
    """NumPy's ``signature=``/``sig=`` force a loop; gpuad raises TypeError naming the
    keyword (``dtype=`` gives the same loop for one output)."""
    a = A([1, 2])
    assert np.add(a, 1, signature=(None, None, np.float32)).dtype == np.float32
    for kw in ({"signature": (None, None, np.float32)}, {"sig": "dd->d"}):
        with pytest.raises(TypeError, match=next(iter(kw))):
            gnp.add(_dev(a), 1, **kw)
    got = gnp.add(_dev(a), 1, dtype=np.float32)
    _same(got, np.add(a, 1, signature=(None, None, np.float32)), False, "dtype")


def test_complex_minmax_on_tensors_refused(backend):
    """maximum/minimum of complex values order lexicographically (NumPy): on arrays gpuad gives
    NumPy's values (``CASES['minmax_complex']``); on Tensors that require grad it raises, as the
    comparison has no complex derivative."""
    a = _tensor(A([1 + 2j, 1 + 1j]))
    for f in (gnp.maximum.reduce, lambda t: gnp.maximum(t, t[::-1])):
        with pytest.raises(ComplexError, match="real"):
            f(a)


def test_addition_reduce_negative_zero(backend):
    """NumPy's add.reduce with initial=-0.0 over -0.0 values gives -0.0 (NumPy's own test
    xfails without initial=); gpuad's sum starts at +0.0 and gives +0.0: equal as numbers,
    and the signs of elementwise adds are NumPy's (CASES['addition_negative_zero'])."""
    a = A([-0.0, -0.0])
    want = np.add.reduce(a, initial=-0.0)
    got = to_numpy(gnp.add.reduce(_dev(a), initial=-0.0))
    assert got == want and np.signbit(want) and not np.signbit(got)
    assert not np.signbit(to_numpy(gnp.add.reduce(_dev(a)))) and not np.signbit(np.add.reduce(a))


def test_ufunc_at_complex_into_real(backend):
    """``numpy.add.at(float_array, i, 1j)`` warns and drops the imaginary part; gpuad raises
    TypeError (a silent loss), as its ``x.at[i].add`` does."""
    c = np.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.add.at(c, [0], 1j)
    assert c[0] == 1.0  # (1 + 1j with the imaginary part dropped)
    with pytest.raises(TypeError, match="complex"):
        gnp.add.at(_dev(np.ones(2)), _dev(A([0])), 1j)


# ---- the map of every upstream test ----------------------------------------------------------

_S = "covered: test_numpy_umath_suite.py::test_umath_values"
_OBJ = "n/a: object-dtype arrays (gpuad arrays hold numbers)"
_FPE = (
    "n/a: NumPy's floating-point error state (np.errstate, FloatingPointError, RuntimeWarning);"
    " values are compared, warnings are not"
)
_SIMD = (
    "n/a: NumPy's SIMD/AVX loops on aligned, blocked or huge buffers; the values are those of "
    "test_numpy_umath_suite.py::test_umath_values"
)
_WRAP = (
    "n/a: NumPy's __array_wrap__/__array_priority__ subclass protocol (Tensor is no ndarray "
    "subclass); Tensor's __array_ufunc__ is covered by ../test_numpy_protocol.py"
)
_DT = "n/a: datetime64/timedelta64 (gpuad arrays are numeric)"
_STR = "n/a: string and bytes dtypes (gpuad arrays are numeric)"
_LOW = "n/a: NumPy's low-level ufunc API (resolve_dtypes, _get_strided_loop, C loops)"
_UMT = (
    "n/a: NumPy's C test module (_umath_tests, _rational_tests, _operand_flag_tests, "
    "_struct_ufunc_tests)"
)
_DOC = "n/a: NumPy's docstring machinery (add_docstring, add_newdoc_ufunc, __doc__)"
_SIGS = "n/a: the gufunc signature parser of NumPy's C test module (_umath_tests.test_signature)"
_SIGK = (
    "differs: signature=/sig= raise TypeError naming the keyword (dtype= picks the loop); here:"
    " test_signature_keyword_refused"
)
_AX = "here: test_gufunc_axes_keyword (the gufunc keywords axes=/axis= of matmul and vecdot)"

GAPS = (  # (upstream file, class, test, where its port is or why there is none)
    ("test_umath", "TestConstants", "test_pi", "here: test_values[constants]"),
    ("test_umath", "TestConstants", "test_e", "here: test_values[constants]"),
    ("test_umath", "TestConstants", "test_euler_gamma", "here: test_values[constants]"),
    ("test_umath", "TestOut", "test_out_subok", _WRAP),
    ("test_umath", "TestOut", "test_out_wrap_subok", _WRAP),
    ("test_umath", "TestOut", "test_out_wrap_no_leak", _WRAP),
    (
        "test_umath",
        "TestComparisons",
        "test_comparison_functions",
        "here: test_values[comparison_functions]",
    ),
    ("test_umath", "TestComparisons", "test_ignore_object_identity_in_equal", _OBJ),
    ("test_umath", "TestComparisons", "test_ignore_object_identity_in_not_equal", _OBJ),
    ("test_umath", "TestComparisons", "test_error_in_equal_reduce", _OBJ),
    ("test_umath", "TestComparisons", "test_object_dtype", _OBJ),
    ("test_umath", "TestComparisons", "test_object_nonbool_dtype_error", _OBJ),
    (
        "test_umath",
        "TestComparisons",
        "test_large_integer_direct_comparison",
        "here: test_values[large_integer_direct_comparison]",
    ),
    (
        "test_umath",
        "TestComparisons",
        "test_unsigned_signed_direct_comparison",
        "here: test_values[unsigned_signed_direct_comparison]",
    ),
    ("test_umath", "TestAdd", "test_reduce_alignment", _SIMD),
    ("test_umath", "TestDivision", "test_division_int", _S),
    ("test_umath", "TestDivision", "test_division_int_boundary", _S),
    ("test_umath", "TestDivision", "test_division_int_reduce", _S),
    ("test_umath", "TestDivision", "test_division_int_timedelta", _DT),
    ("test_umath", "TestDivision", "test_division_complex", _S),
    ("test_umath", "TestDivision", "test_zero_division_complex", _S),
    (
        "test_umath",
        "TestDivision",
        "test_floor_division_complex",
        "here: test_values[complex_division_ops]",
    ),
    ("test_umath", "TestDivision", "test_floor_division_signed_zero", _S),
    ("test_umath", "TestDivision", "test_floor_division_errors", _FPE),
    ("test_umath", "TestDivision", "test_floor_division_corner_cases", _S),
    ("test_umath", "TestRemainder", "test_remainder_basic", _S),
    ("test_umath", "TestRemainder", "test_float_remainder_exact", _S),
    ("test_umath", "TestRemainder", "test_float_remainder_roundoff", _S),
    ("test_umath", "TestRemainder", "test_float_divmod_errors", _FPE),
    ("test_umath", "TestRemainder", "test_float_remainder_errors", _FPE),
    ("test_umath", "TestRemainder", "test_float_remainder_overflow", _S),
    ("test_umath", "TestRemainder", "test_float_divmod_corner_cases", _S),
    ("test_umath", "TestRemainder", "test_float_remainder_corner_cases", _S),
    (
        "test_umath",
        "TestDivisionIntegerOverflowsAndDivideByZero",
        "test_signed_division_overflow",
        _S,
    ),
    ("test_umath", "TestDivisionIntegerOverflowsAndDivideByZero", "test_divide_by_zero", _S),
    ("test_umath", "TestDivisionIntegerOverflowsAndDivideByZero", "test_overflows", _S),
    ("test_umath", "TestCbrt", "test_cbrt_scalar", _S),
    ("test_umath", "TestCbrt", "test_cbrt", _S),
    ("test_umath", "TestPower", "test_power_float", _S),
    ("test_umath", "TestPower", "test_power_complex", _S),
    ("test_umath", "TestPower", "test_power_zero", _S),
    ("test_umath", "TestPower", "test_zero_power_nonzero", _S),
    ("test_umath", "TestPower", "test_fast_power", "here: test_values[power_fast_paths_f32]"),
    ("test_umath", "TestPower", "test_integer_power", _S),
    ("test_umath", "TestPower", "test_integer_power_with_integer_zero_exponent", _S),
    ("test_umath", "TestPower", "test_integer_power_of_1", _S),
    ("test_umath", "TestPower", "test_integer_power_of_zero", _S),
    ("test_umath", "TestPower", "test_integer_to_negative_power", _S),
    ("test_umath", "TestPower", "test_float_to_inf_power", "here: test_values[float_to_inf_power]"),
    ("test_umath", "TestPower", "test_power_fast_paths", "here: test_values[power_fast_paths]"),
    (
        "test_umath",
        "TestFloat_power",
        "test_type_conversion",
        "here: test_values[float_power_type_conversion]",
    ),
    ("test_umath", "TestLog2", "test_log2_values", _S),
    ("test_umath", "TestLog2", "test_log2_ints", _S),
    ("test_umath", "TestLog2", "test_log2_special", _S),
    ("test_umath", "TestExp2", "test_exp2_values", _S),
    ("test_umath", "TestLogAddExp2", "test_logaddexp2_values", _S),
    ("test_umath", "TestLogAddExp2", "test_logaddexp2_range", _S),
    ("test_umath", "TestLogAddExp2", "test_inf", _S),
    ("test_umath", "TestLogAddExp2", "test_nan", _S),
    ("test_umath", "TestLogAddExp2", "test_reduce", "here: test_values[logaddexp_reduce]"),
    ("test_umath", "TestLog", "test_log_values", _S),
    ("test_umath", "TestLog", "test_log_values_maxofdtype", _S),
    ("test_umath", "TestLog", "test_log_strides", "here: test_values[incontiguous_array]"),
    ("test_umath", "TestLog", "test_log_precision_float64", _S),
    (
        "test_umath",
        "TestLog",
        "test_log_precision_float32",
        "here: test_values[complex_functions_c64]",
    ),
    ("test_umath", "TestExp", "test_exp_values", _S),
    ("test_umath", "TestExp", "test_exp_strides", "here: test_values[incontiguous_array]"),
    ("test_umath", "TestSpecialFloats", "test_exp_values", _S),
    ("test_umath", "TestSpecialFloats", "test_exp_exceptions", _FPE),
    ("test_umath", "TestSpecialFloats", "test_log_values", _S),
    ("test_umath", "TestSpecialFloats", "test_sincos_values", _S),
    ("test_umath", "TestSpecialFloats", "test_sincos_underflow", _S),
    ("test_umath", "TestSpecialFloats", "test_sincos_errors", _FPE),
    ("test_umath", "TestSpecialFloats", "test_sincos_overlaps", "here: test_out[sincos_overlaps]"),
    ("test_umath", "TestSpecialFloats", "test_sqrt_values", _S),
    ("test_umath", "TestSpecialFloats", "test_abs_values", _S),
    ("test_umath", "TestSpecialFloats", "test_square_values", _S),
    ("test_umath", "TestSpecialFloats", "test_reciprocal_values", _S),
    ("test_umath", "TestSpecialFloats", "test_tan", _S),
    ("test_umath", "TestSpecialFloats", "test_arcsincos", _S),
    ("test_umath", "TestSpecialFloats", "test_arctan", _S),
    ("test_umath", "TestSpecialFloats", "test_sinh", _S),
    ("test_umath", "TestSpecialFloats", "test_cosh", _S),
    ("test_umath", "TestSpecialFloats", "test_tanh", _S),
    ("test_umath", "TestSpecialFloats", "test_arcsinh", _S),
    ("test_umath", "TestSpecialFloats", "test_arccosh", _S),
    ("test_umath", "TestSpecialFloats", "test_arctanh", _S),
    ("test_umath", "TestSpecialFloats", "test_exp2", _S),
    ("test_umath", "TestSpecialFloats", "test_expm1", _S),
    ("test_umath", "TestSpecialFloats", "test_unary_spurious_fpexception", _FPE),
    ("test_umath", "TestSpecialFloats", "test_divide_spurious_fpexception", _FPE),
    ("test_umath", "TestFPClass", "test_fpclass", _S),
    ("test_umath", "TestFPClass", "test_fp_noncontiguous", "here: test_values[incontiguous_array]"),
    ("test_umath", "TestLDExp", "test_ldexp", _S),
    ("test_umath", "TestFRExp", "test_frexp", _S),
    ("test_umath", "TestAVXUfuncs", "test_avx_based_ufunc", _SIMD),
    ("test_umath", "TestAVXFloat32Transcendental", "test_exp_float32", _SIMD),
    ("test_umath", "TestAVXFloat32Transcendental", "test_log_float32", _SIMD),
    ("test_umath", "TestAVXFloat32Transcendental", "test_sincos_float32", _SIMD),
    ("test_umath", "TestAVXFloat32Transcendental", "test_strided_float32", _SIMD),
    ("test_umath", "TestLogAddExp", "test_logaddexp_values", _S),
    ("test_umath", "TestLogAddExp", "test_logaddexp_range", _S),
    ("test_umath", "TestLogAddExp", "test_inf", _S),
    ("test_umath", "TestLogAddExp", "test_nan", _S),
    ("test_umath", "TestLogAddExp", "test_reduce", "here: test_values[logaddexp_reduce]"),
    ("test_umath", "TestLog1p", "test_log1p", _S),
    ("test_umath", "TestLog1p", "test_special", _S),
    ("test_umath", "TestExpm1", "test_expm1", _S),
    ("test_umath", "TestExpm1", "test_special", _S),
    ("test_umath", "TestExpm1", "test_complex", _S),
    ("test_umath", "TestHypot", "test_simple", _S),
    ("test_umath", "TestHypot", "test_reduce", "here: test_values[logaddexp_reduce]"),
    ("test_umath", "TestHypotSpecialValues", "test_nan_outputs", _S),
    ("test_umath", "TestHypotSpecialValues", "test_nan_outputs2", _S),
    ("test_umath", "TestHypotSpecialValues", "test_no_fpe", _FPE),
    ("test_umath", "TestArctan2SpecialValues", "test_one_one", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_zero_nzero", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_zero_pzero", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_zero_negative", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_zero_positive", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_positive_zero", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_negative_zero", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_any_ninf", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_any_pinf", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_inf_any", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_inf_ninf", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_inf_pinf", _S),
    ("test_umath", "TestArctan2SpecialValues", "test_nan_any", _S),
    ("test_umath", "TestLdexp", "test_ldexp", _S),
    ("test_umath", "TestLdexp", "test_ldexp_overflow", "here: test_values[ldexp_overflow]"),
    ("test_umath", "TestMaximum", "test_reduce", "here: test_values[minmax_reduce]"),
    ("test_umath", "TestMaximum", "test_reduce_complex", "here: test_values[minmax_complex]"),
    ("test_umath", "TestMaximum", "test_float_nans", "here: test_values[minmax_float_nans]"),
    ("test_umath", "TestMaximum", "test_object_nans", _OBJ),
    ("test_umath", "TestMaximum", "test_complex_nans", _S),
    ("test_umath", "TestMaximum", "test_object_array", _OBJ),
    ("test_umath", "TestMaximum", "test_strided_array", "here: test_values[minmax_strided]"),
    ("test_umath", "TestMaximum", "test_precision", "here: test_values[minmax_precision]"),
    ("test_umath", "TestMinimum", "test_reduce", "here: test_values[minmax_reduce]"),
    ("test_umath", "TestMinimum", "test_reduce_complex", "here: test_values[minmax_complex]"),
    ("test_umath", "TestMinimum", "test_float_nans", "here: test_values[minmax_float_nans]"),
    ("test_umath", "TestMinimum", "test_object_nans", _OBJ),
    ("test_umath", "TestMinimum", "test_complex_nans", _S),
    ("test_umath", "TestMinimum", "test_object_array", _OBJ),
    ("test_umath", "TestMinimum", "test_strided_array", "here: test_values[minmax_strided]"),
    ("test_umath", "TestMinimum", "test_precision", "here: test_values[minmax_precision]"),
    ("test_umath", "TestFmax", "test_reduce", "here: test_values[minmax_reduce]"),
    ("test_umath", "TestFmax", "test_reduce_complex", "here: test_values[minmax_complex]"),
    ("test_umath", "TestFmax", "test_float_nans", "here: test_values[minmax_float_nans]"),
    ("test_umath", "TestFmax", "test_complex_nans", _S),
    ("test_umath", "TestFmax", "test_precision", "here: test_values[minmax_precision]"),
    ("test_umath", "TestFmin", "test_reduce", "here: test_values[minmax_reduce]"),
    ("test_umath", "TestFmin", "test_reduce_complex", "here: test_values[minmax_complex]"),
    ("test_umath", "TestFmin", "test_float_nans", "here: test_values[minmax_float_nans]"),
    ("test_umath", "TestFmin", "test_complex_nans", _S),
    ("test_umath", "TestFmin", "test_precision", "here: test_values[minmax_precision]"),
    ("test_umath", "TestBool", "test_exceptions", _S),
    ("test_umath", "TestBool", "test_truth_table_logical", _S),
    ("test_umath", "TestBool", "test_truth_table_bitwise", _S),
    ("test_umath", "TestBool", "test_reduce", "here: test_values[bool_reduce]"),
    ("test_umath", "TestBitwiseUFuncs", "test_values", _S),
    ("test_umath", "TestBitwiseUFuncs", "test_types", _S),
    (
        "test_umath",
        "TestBitwiseUFuncs",
        "test_identity",
        "covered: ../test_numpy_ufunc_methods.py::test_ufunc_objects_keep_the_functions",
    ),
    ("test_umath", "TestBitwiseUFuncs", "test_reduction", "here: test_values[bitwise_reduction]"),
    ("test_umath", "TestBitwiseUFuncs", "test_bitwise_count", _S),
    ("test_umath", "TestInt", "test_logical_not", "here: test_values[logical_reduce_nonbool]"),
    (
        "test_umath",
        "TestFloatingPoint",
        "test_floating_point",
        "n/a: whether NumPy was built with floating-point error support",
    ),
    ("test_umath", "TestDegrees", "test_degrees", _S),
    ("test_umath", "TestRadians", "test_radians", _S),
    ("test_umath", "TestHeavside", "test_heaviside", _S),
    ("test_umath", "TestSign", "test_sign", _S),
    ("test_umath", "TestSign", "test_sign_complex", _S),
    ("test_umath", "TestSign", "test_sign_dtype_object", _OBJ),
    ("test_umath", "TestSign", "test_sign_dtype_nan_object", _OBJ),
    ("test_umath", "TestMinMax", "test_minmax_blocked", "here: test_values[minmax_blocked]"),
    ("test_umath", "TestMinMax", "test_lower_align", _SIMD),
    ("test_umath", "TestMinMax", "test_reduce_reorder", "here: test_values[minmax_reduce_reorder]"),
    ("test_umath", "TestMinMax", "test_minimize_no_warns", _FPE),
    ("test_umath", "TestAbsoluteNegative", "test_abs_neg_blocked", _S),
    ("test_umath", "TestAbsoluteNegative", "test_lower_align", _SIMD),
    (
        "test_umath",
        "TestAbsoluteNegative",
        "test_noncontiguous",
        "here: test_values[incontiguous_array]",
    ),
    ("test_umath", "TestPositive", "test_valid", "here: test_values[pos_nan]"),
    ("test_umath", "TestPositive", "test_invalid", "here: test_values[positive_invalid]"),
    ("test_umath", "TestSpecialMethods", "test_wrap", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_wrap_out", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_wrap_with_iterable", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_priority_with_scalar", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_priority", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_failing_wrap", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_failing_out_wrap", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_none_wrap", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_default_prepare", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_array_too_many_args", _WRAP),
    (
        "test_umath",
        "TestSpecialMethods",
        "test_ufunc_override",
        "covered: ../test_numpy_protocol.py::test_foreign_array_types_are_not_handled",
    ),
    (
        "test_umath",
        "TestSpecialMethods",
        "test_ufunc_override_mro",
        "covered: ../test_numpy_protocol.py::test_foreign_array_types_are_not_handled",
    ),
    (
        "test_umath",
        "TestSpecialMethods",
        "test_ufunc_override_methods",
        "covered: ../test_numpy_ufunc_methods.py::test_numpy_methods_on_tensors",
    ),
    (
        "test_umath",
        "TestSpecialMethods",
        "test_ufunc_override_out",
        "covered: ../test_numpy_protocol.py::test_ufunc_out_into_a_tensor_is_recorded",
    ),
    (
        "test_umath",
        "TestSpecialMethods",
        "test_ufunc_override_where",
        "covered: ../test_numpy_protocol.py::test_ufunc_where_and_dtype",
    ),
    (
        "test_umath",
        "TestSpecialMethods",
        "test_ufunc_override_exception",
        "covered: ../test_numpy_protocol.py::test_foreign_array_types_are_not_handled",
    ),
    (
        "test_umath",
        "TestSpecialMethods",
        "test_ufunc_override_not_implemented",
        "covered: ../test_numpy_protocol.py::test_foreign_array_types_are_not_handled",
    ),
    ("test_umath", "TestSpecialMethods", "test_ufunc_override_disabled", _WRAP),
    (
        "test_umath",
        "TestSpecialMethods",
        "test_gufunc_override",
        "covered: ../test_numpy_protocol.py::test_numpy_function",
    ),
    ("test_umath", "TestSpecialMethods", "test_ufunc_override_with_super", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_array_ufunc_direct_call", _WRAP),
    ("test_umath", "TestSpecialMethods", "test_ufunc_docstring", _DOC),
    (
        "test_umath",
        "TestChoose",
        "test_mixed",
        "n/a: numpy.choose of mixed scalar types is an ndarray function, not a ufunc "
        "(test_numpy_multiarray_suite.py ports choose)",
    ),
    ("test_umath", "TestRationalFunctions", "test_lcm", _S),
    ("test_umath", "TestRationalFunctions", "test_lcm_object", _OBJ),
    ("test_umath", "TestRationalFunctions", "test_gcd", _S),
    ("test_umath", "TestRationalFunctions", "test_gcd_object", _OBJ),
    ("test_umath", "TestRationalFunctions", "test_lcm_overflow", _S),
    ("test_umath", "TestRationalFunctions", "test_gcd_overflow", _S),
    ("test_umath", "TestRationalFunctions", "test_decimal", _OBJ),
    ("test_umath", "TestRationalFunctions", "test_float", "here: test_values[gcd_reduce]"),
    ("test_umath", "TestRationalFunctions", "test_huge_integers", _OBJ),
    ("test_umath", "TestRationalFunctions", "test_inf_and_nan", _S),
    ("test_umath", "TestRoundingFunctions", "test_object_direct", _OBJ),
    ("test_umath", "TestRoundingFunctions", "test_object_indirect", _OBJ),
    ("test_umath", "TestRoundingFunctions", "test_fraction", _OBJ),
    (
        "test_umath",
        "TestRoundingFunctions",
        "test_output_dtype",
        "here: test_values[rounding_output_dtype]",
    ),
    ("test_umath", "TestComplexFunctions", "test_it", "here: test_values[complex_functions]"),
    (
        "test_umath",
        "TestComplexFunctions",
        "test_precisions_consistent",
        "here: test_values[complex_functions_c64]",
    ),
    ("test_umath", "TestComplexFunctions", "test_branch_cuts", _S),
    ("test_umath", "TestComplexFunctions", "test_branch_cuts_complex64", _S),
    (
        "test_umath",
        "TestComplexFunctions",
        "test_against_cmath",
        "here: test_values[complex_functions]",
    ),
    (
        "test_umath",
        "TestComplexFunctions",
        "test_loss_of_precision",
        "differs: complex log1p near 0 keeps its real part (mpmath's value; NumPy 2.4 computes "
        "log(1 + z) and loses it); here: test_complex_log1p_near_zero",
    ),
    ("test_umath", "TestComplexFunctions", "test_promotion_corner_cases", _S),
    (
        "test_umath",
        "TestAttributes",
        "test_attributes",
        "covered: ../test_numpy_ufunc_methods.py::test_ufunc_objects_keep_the_functions",
    ),
    ("test_umath", "TestAttributes", "test_doc", _DOC),
    (
        "test_umath",
        "TestSubclass",
        "test_subclass_op",
        "n/a: ndarray subclasses (Tensor is no ndarray subclass)",
    ),
    (
        "test_umath",
        "TestFrompyfunc",
        "test_identity",
        "covered: test_jax_ufuncs_suite.py::test_frompyfunc_methods",
    ),
    ("test_umath", "<module>", "test_copysign", _S),
    ("test_umath", "<module>", "test_nextafter", _S),
    ("test_umath", "<module>", "test_nextafterf", _S),
    ("test_umath", "<module>", "test_nextafterl", "n/a: longdouble (gpuad has no float128)"),
    ("test_umath", "<module>", "test_nextafter_0", _S),
    ("test_umath", "<module>", "test_spacing", _S),
    ("test_umath", "<module>", "test_spacingf", _S),
    ("test_umath", "<module>", "test_spacingl", "n/a: longdouble (gpuad has no float128)"),
    ("test_umath", "<module>", "test_spacing_gfortran", _S),
    ("test_umath", "<module>", "test_nextafter_vs_spacing", _S),
    ("test_umath", "<module>", "test_pos_nan", "here: test_values[pos_nan]"),
    ("test_umath", "<module>", "test_reduceat", "here: test_values[reduceat]"),
    (
        "test_umath",
        "<module>",
        "test_negative_value_raises",
        "here: test_values[negative_value_raises]",
    ),
    ("test_umath", "<module>", "test_reduceat_empty", "here: test_values[reduceat_empty]"),
    (
        "test_umath",
        "<module>",
        "test_complex_nan_comparisons",
        "here: test_values[complex_nan_comparisons]",
    ),
    ("test_umath", "<module>", "test_rint_big_int", "here: test_values[rint_big_int]"),
    (
        "test_umath",
        "<module>",
        "test_memoverlap_accumulate",
        "here: test_values[memoverlap_accumulate]",
    ),
    (
        "test_umath",
        "<module>",
        "test_memoverlap_accumulate_cmp",
        "here: test_values[memoverlap_accumulate]",
    ),
    (
        "test_umath",
        "<module>",
        "test_memoverlap_accumulate_symmetric",
        "here: test_out[memoverlap_accumulate_out]",
    ),
    ("test_umath", "<module>", "test_signaling_nan_exceptions", _FPE),
    (
        "test_umath",
        "<module>",
        "test_outer_subclass_preserve",
        "n/a: ndarray subclasses (Tensor is no ndarray subclass)",
    ),
    (
        "test_umath",
        "<module>",
        "test_outer_bad_subclass",
        "n/a: ndarray subclasses (Tensor is no ndarray subclass)",
    ),
    ("test_umath", "<module>", "test_outer_exceeds_maxdims", "n/a: NumPy's limit of 64 dimensions"),
    ("test_umath", "<module>", "test_bad_legacy_ufunc_silent_errors", _UMT),
    ("test_umath", "<module>", "test_bad_legacy_unary_ufunc_silent_errors", _UMT),
    ("test_umath", "<module>", "test_bad_legacy_gufunc_silent_errors", _UMT),
    ("test_umath", "TestAddDocstring", "test_add_same_docstring", _DOC),
    ("test_umath", "TestAddDocstring", "test_different_docstring_fails", _DOC),
    ("test_umath", "TestAdd_newdoc_ufunc", "test_ufunc_arg", _DOC),
    ("test_umath", "TestAdd_newdoc_ufunc", "test_string_arg", _DOC),
    (
        "test_umath",
        "TestHypotErrorMessages",
        "test_hypot_error_message_single_arg",
        "here: test_values[hypot_error_message_single_arg]",
    ),
    (
        "test_umath",
        "TestHypotErrorMessages",
        "test_hypot_error_message_multiple_args",
        "here: test_values[hypot_error_message_multiple_args]",
    ),
    ("test_ufunc", "TestUfuncKwargs", "test_kwarg_exact", "here: test_values[kwarg_exact]"),
    ("test_ufunc", "TestUfuncKwargs", "test_sig_signature", _SIGK),
    ("test_ufunc", "TestUfuncKwargs", "test_sig_dtype", _SIGK),
    (
        "test_ufunc",
        "TestUfuncKwargs",
        "test_extobj_removed",
        "n/a: NumPy's removed extobj= keyword",
    ),
    (
        "test_ufunc",
        "TestUfuncGenericLoops",
        "test_unary_PyUFunc",
        "n/a: NumPy's generic C loops of _umath_tests (their values are those of "
        "test_numpy_umath_suite.py::test_umath_values)",
    ),
    (
        "test_ufunc",
        "TestUfuncGenericLoops",
        "test_binary_PyUFunc",
        "n/a: NumPy's generic C loops of _umath_tests (their values are those of "
        "test_numpy_umath_suite.py::test_umath_values)",
    ),
    ("test_ufunc", "TestUfuncGenericLoops", "test_unary_PyUFunc_O_O", _OBJ),
    ("test_ufunc", "TestUfuncGenericLoops", "test_unary_PyUFunc_O_O_method_simple", _OBJ),
    ("test_ufunc", "TestUfuncGenericLoops", "test_binary_PyUFunc_OO_O", _OBJ),
    ("test_ufunc", "TestUfuncGenericLoops", "test_binary_PyUFunc_OO_O_method", _OBJ),
    ("test_ufunc", "TestUfuncGenericLoops", "test_binary_PyUFunc_On_Om_method", _OBJ),
    ("test_ufunc", "TestUfuncGenericLoops", "test_python_complex_conjugate", _OBJ),
    ("test_ufunc", "TestUfuncGenericLoops", "test_unary_PyUFunc_O_O_method_full", _OBJ),
    ("test_ufunc", "TestUfunc", "test_pickle", "here: test_pickle_by_reference"),
    ("test_ufunc", "TestUfunc", "test_pickle_withstring", "here: test_pickle_by_reference"),
    ("test_ufunc", "TestUfunc", "test_pickle_name_is_qualname", "here: test_pickle_by_reference"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduceat_shifting_sum",
        "here: test_values[reduceat_shifting_sum]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_all_ufunc",
        "n/a: NumPy's list of ufunc type signatures (ufunc.types)",
    ),
    ("test_ufunc", "TestUfunc", "test_signature0", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature1", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature2", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature3", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature4", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature5", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature6", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature7", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature8", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature9", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature10", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature_failure_extra_parenthesis", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature_failure_mismatching_parenthesis", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature_failure_signature_missing_input_arg", _SIGS),
    ("test_ufunc", "TestUfunc", "test_signature_failure_signature_missing_output_arg", _SIGS),
    ("test_ufunc", "TestUfunc", "test_get_signature", _SIGS),
    ("test_ufunc", "TestUfunc", "test_forced_sig", _SIGK),
    ("test_ufunc", "TestUfunc", "test_signature_all_None", _SIGK),
    ("test_ufunc", "TestUfunc", "test_signature_dtype_type", _SIGK),
    ("test_ufunc", "TestUfunc", "test_signature_dtype_instances_allowed", _SIGK),
    ("test_ufunc", "TestUfunc", "test_partial_signature_mismatch", _SIGK),
    ("test_ufunc", "TestUfunc", "test_partial_signature_mismatch_with_cache", _SIGK),
    ("test_ufunc", "TestUfunc", "test_use_output_signature_for_all_arguments", _SIGK),
    ("test_ufunc", "TestUfunc", "test_signature_errors", _SIGK),
    ("test_ufunc", "TestUfunc", "test_forced_dtype_times", _DT),
    ("test_ufunc", "TestUfunc", "test_cast_safety", "here: test_values[cast_safety]"),
    ("test_ufunc", "TestUfunc", "test_cast_safety_scalar", "here: test_values[cast_safety_error]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_cast_safety_scalar_special",
        "here: test_values[cast_safety_casting_no]",
    ),
    ("test_ufunc", "TestUfunc", "test_true_divide", "here: test_values[true_divide]"),
    ("test_ufunc", "TestUfunc", "test_sum_stability", "here: test_values[sum_stability]"),
    ("test_ufunc", "TestUfunc", "test_sum", "here: test_values[sum_dtypes]"),
    ("test_ufunc", "TestUfunc", "test_sum_complex", "here: test_values[sum_dtypes]"),
    ("test_ufunc", "TestUfunc", "test_sum_initial", "here: test_values[sum_initial]"),
    ("test_ufunc", "TestUfunc", "test_sum_where", "here: test_values[sum_where]"),
    ("test_ufunc", "TestUfunc", "test_vecdot", "here: test_values[vecdot]"),
    ("test_ufunc", "TestUfunc", "test_matvec", "here: test_values[matvec]"),
    ("test_ufunc", "TestUfunc", "test_vecmatvec_identity", "here: test_values[matvec]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_vecdot_matvec_vecmat_complex",
        "here: test_values[vecdot_matvec_vecmat_complex]",
    ),
    ("test_ufunc", "TestUfunc", "test_matvec_vecmat_out", "here: test_out[matvec_vecmat_out]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_vecdot_subclass",
        "n/a: ndarray subclasses (Tensor is no ndarray subclass)",
    ),
    ("test_ufunc", "TestUfunc", "test_vecdot_object_no_conjugate", _OBJ),
    ("test_ufunc", "TestUfunc", "test_vecdot_object_breaks_outer_loop_on_error", _OBJ),
    ("test_ufunc", "TestUfunc", "test_broadcast", "here: test_values[broadcast]"),
    ("test_ufunc", "TestUfunc", "test_out_broadcasts", "here: test_out[out_broadcasts]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_out_broadcast_errors",
        "here: test_out[out_broadcast_errors]",
    ),
    ("test_ufunc", "TestUfunc", "test_type_cast", "here: test_values[reduce_dtype]"),
    ("test_ufunc", "TestUfunc", "test_endian", "here: test_values[endian]"),
    ("test_ufunc", "TestUfunc", "test_incontiguous_array", "here: test_values[incontiguous_array]"),
    ("test_ufunc", "TestUfunc", "test_output_argument", "here: test_out[output_argument]"),
    ("test_ufunc", "TestUfunc", "test_output_ellipsis", "here: test_out[output_ellipsis]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_output_ellipsis_errors",
        "here: test_out[output_ellipsis_in_tuple]",
    ),
    ("test_ufunc", "TestUfunc", "test_axes_argument", _AX),
    ("test_ufunc", "TestUfunc", "test_axis_argument", _AX),
    ("test_ufunc", "TestUfunc", "test_keepdims_argument", "here: test_values[vecdot]"),
    ("test_ufunc", "TestUfunc", "test_innerwt", _UMT),
    ("test_ufunc", "TestUfunc", "test_innerwt_empty", _UMT),
    ("test_ufunc", "TestUfunc", "test_cross1d", _UMT),
    ("test_ufunc", "TestUfunc", "test_can_ignore_signature", _UMT),
    ("test_ufunc", "TestUfunc", "test_matrix_multiply", _UMT),
    (
        "test_ufunc",
        "TestUfunc",
        "test_matrix_multiply_umath_empty",
        "here: test_values[matmul_umath_empty]",
    ),
    ("test_ufunc", "TestUfunc", "test_euclidean_pdist", _UMT),
    ("test_ufunc", "TestUfunc", "test_cumsum", "here: test_values[cumsum]"),
    ("test_ufunc", "TestUfunc", "test_object_logical", _OBJ),
    ("test_ufunc", "TestUfunc", "test_object_comparison", _OBJ),
    ("test_ufunc", "TestUfunc", "test_object_array_reduction", _OBJ),
    ("test_ufunc", "TestUfunc", "test_object_array_accumulate_inplace", _OBJ),
    ("test_ufunc", "TestUfunc", "test_object_array_accumulate_failure", _OBJ),
    ("test_ufunc", "TestUfunc", "test_object_array_reduceat_inplace", _OBJ),
    ("test_ufunc", "TestUfunc", "test_object_array_reduceat_failure", _OBJ),
    ("test_ufunc", "TestUfunc", "test_zerosize_reduction", "here: test_values[zerosize_reduction]"),
    ("test_ufunc", "TestUfunc", "test_axis_out_of_bounds", "here: test_values[axis_out_of_bounds]"),
    ("test_ufunc", "TestUfunc", "test_scalar_reduction", "here: test_values[scalar_reduction]"),
    ("test_ufunc", "TestUfunc", "test_casting_out_param", "here: test_out[casting_out_param]"),
    ("test_ufunc", "TestUfunc", "test_where_param", "here: test_out[where_param]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_where_param_buffer_output",
        "here: test_out[where_param_buffer_output]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_where_param_alloc",
        "differs: where= without out= raises TypeError (NumPy leaves the other entries "
        "uninitialised); here: test_where_without_out_raises",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_where_with_broadcasting",
        "here: test_out[where_with_broadcasting]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_where_warns",
        "differs: where= without out= raises TypeError (NumPy warns and leaves the other entries "
        "uninitialised); here: test_where_without_out_raises",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_identityless_reduction",
        "here: test_values[identityless_reduction]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_identityless_reduction_huge_array",
        "n/a: a reduction over a 2**31-element array",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduce_identity_depends_on_loop",
        "here: test_values[empty_reduction_and_identity]",
    ),
    ("test_ufunc", "TestUfunc", "test_initial_reduction", "here: test_values[initial_reduction]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_empty_reduction_and_identity",
        "here: test_values[empty_reduction_and_identity]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduction_with_where",
        "here: test_values[reduction_with_where]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduction_with_where_and_initial",
        "here: test_values[reduction_with_where_and_initial]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduction_where_initial_needed",
        "here: test_values[reduction_where_initial_needed]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_identityless_reduction_nonreorderable",
        "here: test_values[identityless_reduction_nonreorderable]",
    ),
    ("test_ufunc", "TestUfunc", "test_reduce_zero_axis", "here: test_values[reduce_zero_axis]"),
    ("test_ufunc", "TestUfunc", "test_safe_casting", "here: test_out[safe_casting]"),
    ("test_ufunc", "TestUfunc", "test_ufunc_custom_out", _UMT),
    ("test_ufunc", "TestUfunc", "test_operand_flags", _UMT),
    ("test_ufunc", "TestUfunc", "test_struct_ufunc", _UMT),
    ("test_ufunc", "TestUfunc", "test_custom_ufunc", _UMT),
    ("test_ufunc", "TestUfunc", "test_custom_ufunc_forced_sig", _UMT),
    (
        "test_ufunc",
        "TestUfunc",
        "test_custom_array_like",
        "covered: ../test_numpy_protocol.py::test_foreign_array_types_are_not_handled",
    ),
    ("test_ufunc", "TestUfunc", "test_array_wrap_array_priority", _WRAP),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_basic", "here: test_values[ufunc_at_basic]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_ufunc_at_inner_loops",
        "here: test_values[ufunc_at_inner_loops]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_ufunc_at_inner_loops_complex",
        "here: test_values[ufunc_at_inner_loops_complex]",
    ),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_ellipsis", "here: test_values[ufunc_at_ellipsis]"),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_negative", "here: test_values[ufunc_at_unary]"),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_large", "here: test_values[ufunc_at_large]"),
    ("test_ufunc", "TestUfunc", "test_cast_index_fastpath", "here: test_values[ufunc_at_basic]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_ufunc_at_scalar_value_fastpath",
        "here: test_values[ufunc_at_multiD_slice]",
    ),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_multiD", "here: test_values[ufunc_at_multiD]"),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_0D", "here: test_values[ufunc_at_0D]"),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_dtypes", "here: test_values[ufunc_at_dtypes]"),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_boolean", "here: test_values[ufunc_at_boolean]"),
    ("test_ufunc", "TestUfunc", "test_ufunc_at_advanced", "here: test_values[ufunc_at_advanced]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_at_negative_indexes",
        "here: test_values[at_negative_indexes]",
    ),
    ("test_ufunc", "TestUfunc", "test_at_not_none_signature", "here: test_values[at_unary_with_b]"),
    ("test_ufunc", "TestUfunc", "test_at_no_loop_for_op", "here: test_values[at_no_loop_for_op]"),
    ("test_ufunc", "TestUfunc", "test_at_output_casting", "here: test_values[ufunc_at_dtypes]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_at_broadcast_failure",
        "here: test_values[at_broadcast_failure]",
    ),
    ("test_ufunc", "TestUfunc", "test_reduce_arguments", "here: test_values[reduce_arguments]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_structured_equal",
        "n/a: structured dtypes (gpuad arrays are numeric)",
    ),
    ("test_ufunc", "TestUfunc", "test_scalar_equal", "here: test_values[scalar_equal]"),
    (
        "test_ufunc",
        "TestUfunc",
        "test_NotImplemented_not_returned",
        "here: test_values[NotImplemented_not_returned]",
    ),
    ("test_ufunc", "TestUfunc", "test_logical_ufuncs_object_signatures", _OBJ),
    ("test_ufunc", "TestUfunc", "test_logical_ufuncs_mixed_object_signatures", _OBJ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_logical_ufuncs_support_anything",
        "here: test_values[logical_reduce_nonbool]",
    ),
    ("test_ufunc", "TestUfunc", "test_logical_ufuncs_supports_string", _STR),
    (
        "test_ufunc",
        "TestUfunc",
        "test_logical_ufuncs_out_cast_check",
        "here: test_out[logical_ufuncs_out_cast_check]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reducelike_byteorder_resolution",
        "here: test_values[endian]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reducelike_out_promotes",
        "here: test_out[reducelike_out_promotes]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reducelike_output_needs_identical_cast",
        "here: test_out[reduce_out_keepdims]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduce_noncontig_output",
        "here: test_out[reduce_noncontig_output]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduceat_and_accumulate_out_shape_mismatch",
        "here: test_out[reduceat_and_accumulate_out_shape_mismatch]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduce_wrong_dimension_output",
        "here: test_out[reduce_wrong_dimension_output]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduce_output_does_not_broadcast_input",
        "here: test_out[reduce_output_does_not_broadcast_input]",
    ),
    (
        "test_ufunc",
        "TestUfunc",
        "test_reduce_output_subclass_ok",
        "n/a: ndarray subclasses (Tensor is no ndarray subclass)",
    ),
    ("test_ufunc", "TestUfunc", "test_no_doc_string", _DOC),
    ("test_ufunc", "TestUfunc", "test_invalid_args", "here: test_values[invalid_args]"),
    ("test_ufunc", "TestUfunc", "test_nat_is_not_finite", _DT),
    ("test_ufunc", "TestUfunc", "test_nat_is_nan", _DT),
    ("test_ufunc", "TestUfunc", "test_nat_is_not_inf", _DT),
    ("test_ufunc", "TestGUFuncProcessCoreDims", "test_conv1d_full_without_out", _UMT),
    ("test_ufunc", "TestGUFuncProcessCoreDims", "test_conv1d_full_with_out", _UMT),
    ("test_ufunc", "TestGUFuncProcessCoreDims", "test_conv1d_full_basic_broadcast", _UMT),
    ("test_ufunc", "TestGUFuncProcessCoreDims", "test_bad_out_shape", _UMT),
    ("test_ufunc", "TestGUFuncProcessCoreDims", "test_bad_input_both_inputs_length_zero", _UMT),
    (
        "test_ufunc",
        "<module>",
        "test_ufunc_types",
        "n/a: every type signature of every NumPy ufunc (ufunc.types); the dtypes gpuad supports "
        "are swept in test_numpy_umath_suite.py::test_umath_values",
    ),
    ("test_ufunc", "<module>", "test_ufunc_noncontiguous", "here: test_values[incontiguous_array]"),
    ("test_ufunc", "<module>", "test_ufunc_warn_with_nan", _FPE),
    ("test_ufunc", "<module>", "test_ufunc_out_casterrors", _OBJ),
    ("test_ufunc", "<module>", "test_ufunc_input_casterrors", _OBJ),
    ("test_ufunc", "<module>", "test_ufunc_input_floatingpoint_error", _FPE),
    (
        "test_ufunc",
        "<module>",
        "test_ufunc_method_signatures",
        "n/a: inspect signatures of NumPy's C ufunc methods",
    ),
    ("test_ufunc", "<module>", "test_trivial_loop_invalid_cast", "here: test_out[safe_casting]"),
    ("test_ufunc", "<module>", "test_reduce_casterrors", _OBJ),
    ("test_ufunc", "<module>", "test_reduction_no_reference_leak", "n/a: CPython reference counts"),
    ("test_ufunc", "<module>", "test_object_reduce_cleanup_on_failure", _OBJ),
    ("test_ufunc", "<module>", "test_ufunc_methods_floaterrors", _FPE),
    (
        "test_ufunc",
        "<module>",
        "test_addition_negative_zero",
        "here: test_values[addition_negative_zero]",
    ),
    (
        "test_ufunc",
        "<module>",
        "test_addition_reduce_negative_zero",
        "differs: add.reduce(-0.0s, initial=-0.0) gives +0.0 (NumPy -0.0; equal as numbers); "
        "here: test_addition_reduce_negative_zero",
    ),
    ("test_ufunc", "<module>", "test_addition_string_types", _STR),
    ("test_ufunc", "<module>", "test_addition_unicode_inverse_byte_order", _STR),
    ("test_ufunc", "<module>", "test_find_non_long_args", _STR),
    ("test_ufunc", "<module>", "test_find_access_past_buffer", _STR),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_resolve_dtypes_basic", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_resolve_dtypes_comparison", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_weird_dtypes", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_resolve_dtypes_reduction", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_resolve_dtypes_reduction_no_output", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_resolve_dtypes_errors", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_resolve_dtypes_reduction_errors", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_loop_access", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test__get_strided_loop_errors_bad_strides", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test__get_strided_loop_errors_bad_call_info", _LOW),
    ("test_ufunc", "TestLowlevelAPIAccess", "test_long_arrays", _LOW),
    (
        "test_ufunc",
        "TestUFuncInspectSignature",
        "test_dunder_signature_attr",
        "n/a: inspect.signature of NumPy's C ufunc objects",
    ),
    (
        "test_ufunc",
        "TestUFuncInspectSignature",
        "test_params_common_positional",
        "n/a: inspect.signature of NumPy's C ufunc objects",
    ),
    (
        "test_ufunc",
        "TestUFuncInspectSignature",
        "test_params_common_ufunc",
        "n/a: inspect.signature of NumPy's C ufunc objects",
    ),
    (
        "test_ufunc",
        "TestUFuncInspectSignature",
        "test_params_common_gufunc",
        "n/a: inspect.signature of NumPy's C ufunc objects",
    ),
)

UPSTREAM_COUNTS = {"test_umath": 263, "test_ufunc": 192}  # test methods of NumPy 2.4's files


def test_every_gap_has_a_mapping():
    keys = [(f, c, n) for f, c, n, _ in GAPS]
    assert len(keys) == len(set(keys)) == sum(UPSTREAM_COUNTS.values())
    for f, count in UPSTREAM_COUNTS.items():
        assert sum(1 for k in keys if k[0] == f) == count, f
    conf = Path(__file__).parent
    tables = {"test_values": CASES, "test_out": OUT_CASES, "test_grads": dict.fromkeys(GRAD_KEYS)}
    used = set()
    for _f, cls, name, where in GAPS:
        kind = where.split(":")[0]
        assert kind in ("here", "covered", "differs", "n/a"), (cls, name)
        for fn, param in re.findall(r"here: (test_\w+)(?:\[(\w+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                assert param in tables[fn], (name, param)
                used.add(param)
        if kind == "here":
            assert re.search(r"here: test_\w+", where), (name, where)
        for path, fn in re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where):
            p = conf / path
            assert p.exists(), path
            assert f"def {fn}(" in p.read_text(), (name, path, fn)
        if kind == "covered":
            assert "::" in where, (name, where)
    unmapped = (set(CASES) | set(OUT_CASES)) - used
    assert len(unmapped) < 40, sorted(unmapped)  # (extra cases of mapped tests are fine)
