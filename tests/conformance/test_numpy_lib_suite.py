"""NumPy's own library tests (numpy/lib/tests: test_function_base, test_nanfunctions,
test_arraysetops, test_twodim_base, test_index_tricks, test_ufunclike, test_type_check) ported
to gpuad.numpy: each case runs NumPy on host arrays and gpuad.numpy on backend arrays and on
Tensors that require grad, and compares values, dtypes and shapes, or the exception class where
NumPy raises. The differentiable functions are checked against float64 central differences at
points taken from those tests.

Where gpuad deliberately differs, ``_deviation`` says how and why:

- ``interp`` and ``cov`` keep float32 (NumPy computes in float64; CuPy, JAX and torch keep the
  input's precision, and on the GPU float32 is the point);
- ``copy(order=)`` checks the order and leaves the layout to the backend, as
  ``asfortranarray`` (``eye``, ``zeros``, ``ones`` and ``empty``, whose results are backend
  arrays, pass ``order=`` on to the backend, as NumPy and CuPy);
- ``ediff1d`` of an int8 array with ``to_end=300`` raises OverflowError (NumPy wraps to 44);
- ``nanmin``/``nanmax`` of complex Tensors being differentiated raise ComplexError (no order
  on complex numbers to differentiate; on arrays they give NumPy's values);
- the ``nan*`` reductions give NumPy's NaN for an all-NaN slice without its RuntimeWarning
  (finding one would synchronise the device with the host on each call);
- ``gradient``'s spacings are constants: a spacing Tensor being differentiated raises
  NotImplementedError (the cases pass them as arrays);
- not ported: ``interp`` with decreasing ``xp`` (NumPy: "nonsense" results, unchecked), a 1-d
  ``left``/``right`` (accepted and broadcast, NumPy raises), and ``percentile``'s removed
  ``interpolation=`` (still read as ``method=``);
- ``piecewise`` of a 0-d input with one bare condition and two functions raises TypeError
  (NumPy: IndexError).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.complex_rules import ComplexError
from gpuad.testing import check_grads

A = np.array


class Case:
    def __init__(self, name, args, kw):
        self.name, self.args, self.kw = name, args, kw

    def __repr__(self):
        return f"{self.name}{self.args!r:.60}{self.kw!r:.40}"


def _build_cases() -> list:
    cases = []

    def chk(name, *args, **kw):
        cases.append(Case(name, args, kw))

    x = A([1.0, 4, 6, 7, 12])
    chk("diff", x)
    chk("diff", x, n=2)
    chk("diff", x, n=0)
    chk("diff", x, n=10)
    chk("diff", A([1, 4, 6, 7, 12]))
    chk("diff", A([True, False, True]))
    chk("diff", x, n=-1)
    chk("diff", np.arange(12.0).reshape(3, 4), axis=0)
    chk("diff", np.arange(12.0).reshape(3, 4), axis=-1)
    chk("diff", np.arange(12.0).reshape(3, 4), axis=2)
    chk("diff", np.arange(5.0), prepend=0)
    chk("diff", np.arange(5.0), append=0)
    chk("diff", np.arange(5.0), prepend=[-1.0, 0], append=[10.0, 11])
    chk("diff", np.arange(12.0).reshape(3, 4), prepend=0, axis=0)
    chk("diff", np.arange(12.0).reshape(3, 4), append=A([[1.0], [2], [3]]), axis=1)
    chk("diff", np.arange(5.0), n=2, prepend=A([1.0, 2]))
    chk("diff", A(3.0))
    chk("diff", A([1.0 + 2j, 3 - 1j, 0]))
    chk("diff", A([1, 2, 4], dtype=np.uint8))
    chk("diff", np.zeros((0, 3)), axis=0)
    # gradient
    v = A([[1.0, 1], [3, 4]])
    chk("gradient", v)
    chk("gradient", v, 2.0)
    chk("gradient", v, axis=0)
    chk("gradient", v, axis=(0, 1))
    chk("gradient", A([1.0, 2, 4, 7, 11, 16]), edge_order=2)
    chk("gradient", A([1.0, 2, 4, 7, 11, 16]), 2.0, edge_order=2)
    xs = A([0.0, 1.0, 1.5, 3.5, 4.0, 6.0])
    f = xs**2
    chk("gradient", f, xs)
    chk("gradient", f, xs, edge_order=2)
    chk("gradient", A([1, 2, 4, 7], dtype=np.int64))
    chk("gradient", A([1, 2, 4, 7], dtype=np.uint8))
    chk("gradient", A([1.0, 2]), edge_order=2)
    chk("gradient", A([1.0]))
    chk("gradient", A([1.0, 2, 3]), edge_order=3)
    chk("gradient", np.arange(12.0).reshape(3, 4) ** 2, A([0.0, 1, 3]), A([0.0, 2, 3, 7]))
    chk("gradient", np.arange(12.0).reshape(3, 4) ** 2, 1.5, A([0.0, 2, 3, 7]), edge_order=2)
    chk("gradient", np.arange(12.0).reshape(3, 4), 1.0, 2.0, 3.0)
    chk("gradient", A([1.0, 2, 4]).astype(np.float32))
    chk("gradient", A([1.0, 2, 4]).astype(np.float16))
    chk("gradient", np.arange(5.0), A(2.0))
    chk("gradient", np.arange(5.0), axis=-1)
    chk("gradient", np.array([1, 2, 3], dtype="datetime64[D]"))
    chk("gradient", A([1.0 + 1j, 2 + 4j, 5]))
    chk("gradient", A([1.0, 2, 4]), A([0.0, 1, 1]))
    # interp
    xp_ = np.linspace(0, 1, 5)
    fp = np.linspace(0, 1, 5)
    chk("interp", A([0.0, 0.2, 1.5, -1]), xp_, fp)
    chk("interp", A([1.5, -1]), xp_, fp, left=-2.0, right=9.0)
    chk("interp", 0.5, xp_, fp)
    chk("interp", A(0.5), xp_, fp)
    chk(
        "interp",
        A([-180.0, -170, -185, 185, -10, -5, 0, 365]),
        A([190.0, -190, 350, -350]),
        A([5.0, 10, 3, 4]),
        period=360,
    )
    chk("interp", A([1.0, 2]), A([0.0, 1, 2]), A([1.0 + 1j, 2 - 2j, 3]))
    chk("interp", A([1.0, 2]), A([0.0, 1, 2]), A([1.0 + 1j, 2 - 2j, 3]), left=0j, right=1j)
    chk("interp", A([1.0]), A([]), A([]))
    chk("interp", A([1.0]), A([0.0, 1]), A([0.0, 1, 2]))
    chk("interp", A([1.0]), A([0.0, 1]), A([0.0, 1]), period=0)
    chk("interp", A([np.nan, 0.5]), A([0.0, 1]), A([0.0, 1]))
    chk("interp", A([0.5]), A([0.0, 1, 1, 2]), A([0.0, 1, 2, 3]))
    chk("interp", A([1.0]), A([0.0, 1, 1, 2]), A([0.0, 1, 2, 3]))
    chk("interp", A([1, 2]), A([0, 1, 3]), A([0, 1, 2]))
    chk(
        "interp",
        A([0.5, 1.5], dtype=np.float32),
        A([0.0, 1, 2], dtype=np.float32),
        A([0.0, 1, 2], dtype=np.float32),
    )
    chk("interp", A([[0.5, 1.5]]), A([0.0, 1, 2]), A([0.0, 1, 2]))
    # unwrap
    chk("unwrap", A([1.0, 3 * np.pi, 1.5]))
    chk("unwrap", np.linspace(0, 20, 100) % (2 * np.pi))
    chk("unwrap", A([0.0, 1, 2, -1, 0]), period=4)
    chk("unwrap", A([0, 1, 2, -1, 0]), period=4)
    chk("unwrap", A([2, 3, 4, 5, 2, 3, 4, 5]), period=4)
    chk("unwrap", A([1.0, 3 * np.pi, 1.5]), discont=1.0)
    chk("unwrap", A([[0.0, 5, 0], [1, 7, 1]]), axis=0)
    chk("unwrap", A([1, 5, 9], dtype=np.int32), period=6)
    chk("unwrap", A([0.0, 3.5, 7]), period=np.pi * 0)
    chk("sinc", A([0.0, 0.5, 1, -2.5]))
    chk("sinc", A(0.0))
    chk("sinc", A([0, 1]))
    chk("sinc", A([0.0, 1], dtype=np.float32))
    chk("sinc", A([1j, 0]))
    chk("i0", A([0.0, 1, 2.5, -3]))
    chk("i0", A([[0.5, 1.0], [2.0, 3]]))
    chk("i0", A(0.5))
    chk("i0", A([1, 2]))
    chk("i0", A([1.0], dtype=np.float32))
    chk("i0", A([1 + 2j]))
    chk("trapezoid", A([1.0, 2, 3]))
    chk("trapezoid", A([1.0, 2, 3]), x=A([4.0, 6, 8]))
    chk("trapezoid", A([1.0, 2, 3]), dx=2)
    chk("trapezoid", np.arange(12.0).reshape(3, 4), axis=0)
    chk("trapezoid", np.arange(12.0).reshape(3, 4), x=A([0.0, 1, 3]), axis=0)
    chk("trapezoid", np.arange(12.0).reshape(3, 4), x=np.arange(12.0).reshape(3, 4) ** 2, axis=1)
    chk("trapezoid", A([1, 2, 3]))
    chk("trapezoid", A([]))
    chk("trapezoid", A([1.0]))
    chk("trapezoid", np.arange(6.0).reshape(2, 3), x=A([1.0, 2, 4]))
    chk("cumulative_sum", A([1, 2, 3]))
    chk("cumulative_sum", A([1.0, 2, 3]), include_initial=True)
    chk("cumulative_sum", np.arange(6.0).reshape(2, 3), axis=1, include_initial=True)
    chk("cumulative_sum", np.arange(6.0).reshape(2, 3))
    chk("cumulative_sum", A([True, True]))
    chk("cumulative_sum", A([1, 2], dtype=np.int8))
    chk("cumulative_sum", A([1.0, 2]), dtype=np.float32)
    chk("cumulative_sum", A(3.0))
    chk("cumulative_sum", A([]), include_initial=True)
    chk("cumulative_sum", A([1, 2, 3], dtype=np.uint8), dtype=np.int64)
    chk("cumulative_prod", A([1.0, 2, 3]), include_initial=True)
    chk("angle", A([1 + 3j, -2, 1j, -1j, 0, 1 - 2j]))
    chk("angle", A([1 + 3j, -2]), deg=True)
    chk("angle", A([1.0, -1, 0, -0.0]))
    chk("angle", A([1, -1]))
    chk("angle", 3 + 4j)
    chk("angle", A([1.0], dtype=np.float32))
    conds = [A([False, False, True]), A([False, True, False]), A([True, False, False])]
    ch = [A([1.0, 2, 3]), A([4.0, 5, 6]), A([7.0, 8, 9])]
    chk("select", conds, ch)
    chk("select", conds, ch, default=15.0)
    chk("select", [A([True, False]), A([False, True])], [A([1, 2]), A([3, 4])])
    chk("select", [A([True, False])], [A(1.0)])
    chk("select", [], [])
    chk("select", [A([1, 0])], [A([1.0, 2])])
    chk("select", [A([True])], [A([1.0]), A([2.0])])
    chk("select", [A([True, False])], [A([1, 2], dtype=np.int8)], default=300)
    chk(
        "select",
        [A([True, False]), A([False, True])],
        [A([1, 2], dtype=np.int32), A([1.0, 2], dtype=np.float32)],
    )
    chk("select", [A(True)], [A([1.0, 2])])
    chk("piecewise", A([0.0, 0]), [A([True, False])], [1])
    chk("piecewise", A([0.0, 0]), [[True, False]], [1])
    chk("piecewise", A([0.0, 0]), A([True, False]), [1])
    chk("piecewise", A([0.0, 0]), [A([False, True])], [lambda x: -1.0])
    chk("piecewise", A([1.0, 2]), [A([True, False]), A([False, True])], [3, 4])
    chk("piecewise", A([1.0, 2]), [A([True, False])], [3, 4])
    chk("piecewise", A([1.0, 2]), [A([True, False])], [3, 4, 5])
    chk("piecewise", A(3.0), [A(True)], [1])
    chk("piecewise", A(3.0), [A(False), A(True)], [1, 2])
    chk("piecewise", A(3.0), A(True), [1, 2])
    chk("piecewise", A([1, 2]), [A([True, False])], [1.5])
    chk("piecewise", A([-1.0, 2]), [A([-1.0, 2]) < 0], [lambda x: -x, lambda x: x * 2])
    chk(
        "piecewise",
        A([-1.0, 2]),
        [A([-1.0, 2]) < 0],
        [lambda x, k: -x * k, lambda x, k: x * 2],
        3.0,
    )
    chk(
        "piecewise",
        A([-1.0, 2]),
        [A([-1.0, 2]) < 0],
        [lambda x, k=1: -x * k, lambda x, k=1: x * 2],
        k=3.0,
    )
    chk("piecewise", np.arange(6.0).reshape(2, 3), [np.arange(6).reshape(2, 3) > 2], [0, 1])
    chk("extract", A([1.0, 2, 3, 4]) > 2, A([1.0, 2, 3, 4]))
    chk("extract", A([1, 0, 1, 0]), A([1.0, 2, 3, 4]))
    chk("extract", np.arange(12.0).reshape(3, 4) % 3 == 0, np.arange(12.0).reshape(3, 4))
    chk("extract", A([1, 0]), A([1.0, 2, 3]))
    chk("insert", A([1.0, 2, 3]), 0, 1)
    chk("insert", A([1.0, 2, 3]), 3, 1)
    chk("insert", A([1.0, 2, 3]), -1, [1, 2])
    chk("insert", A([1.0, 2, 3]), [1, 1, 1], [1, 2, 3])
    chk("insert", A([1.0, 2, 3]), 1, [1, 2, 3])
    chk("insert", A([1.0, 2, 3]), [1, -1, 3], 9)
    chk("insert", A([1.0, 2, 3]), slice(-1, None, -1), 9)
    chk("insert", A([1.0, 2, 3]), [-1, 1, 3], [7, 8, 9])
    chk("insert", A([1, 2, 3]), 0, 1.5)
    chk("insert", A([1.0, 2, 3]), [], [])
    chk("insert", A([[1.0, 1], [2, 2], [3, 3]]), 1, 5, axis=1)
    chk("insert", A([[1.0, 1], [2, 2], [3, 3]]), [1], [[1], [2], [3]], axis=1)
    chk("insert", A([[1.0, 1], [2, 2], [3, 3]]), 1, [1, 2, 3], axis=1)
    chk("insert", A([[1.0, 1], [2, 2], [3, 3]]), [1], [1, 2], axis=0)
    chk("insert", A([[1.0, 1], [2, 2], [3, 3]]), 1, 5)
    chk("insert", A([[1.0, 1], [2, 2], [3, 3]]), 1, 5, axis=2)
    chk("insert", A([[1.0, 1], [2, 2], [3, 3]]), 1, 5, axis=-1)
    chk("insert", A([1.0, 2, 3]), 5, 9)
    chk("insert", A([1.0, 2, 3]), -4, 9)
    chk("insert", A([1.0, 2, 3]), A([True, False, False]), 9)
    chk("insert", A([1.0, 2, 3]), A([True, False, True]), A([7.0, 8]))
    chk("insert", A([[1.0, 2], [3, 4]]), A([False, True]), 5.0, axis=1)
    chk("insert", A([1.0, 2, 3]), A([1.0]), 9)
    chk("insert", A(3.0), 0, 1.0)
    chk("insert", A([1.0, 2, 3]), A([[1]]), 9)
    chk("insert", np.arange(10.0), np.array([0, 1, 2]), [10.0, 11, 12])
    chk("insert", A([1.0 + 1j, 2]), 1, 3j)
    chk("insert", A([1.0, 2]), 1, 3j)
    chk("delete", np.arange(5.0), 0)
    chk("delete", np.arange(5.0), -1)
    chk("delete", np.arange(5.0), [0, 4])
    chk("delete", np.arange(5.0), slice(1, 4, 2))
    chk("delete", np.arange(5.0), [])
    chk("delete", np.arange(5.0), 5)
    chk("delete", np.arange(5.0), -6)
    chk("delete", np.arange(5.0), [0, 0, 1])
    chk("delete", np.arange(5.0), A([True, False, True, False, False]))
    chk("delete", np.arange(5.0), A([True, False]))
    chk("delete", np.arange(12.0).reshape(3, 4), 1, axis=0)
    chk("delete", np.arange(12.0).reshape(3, 4), [0, 2], axis=1)
    chk("delete", np.arange(12.0).reshape(3, 4), 1)
    chk("delete", np.arange(12.0).reshape(3, 4), 1, axis=2)
    chk("delete", np.arange(5.0), slice(None, None, -1))
    chk("delete", np.arange(5.0), A([1.0]))
    chk("delete", A(3.0), 0)
    chk("delete", np.arange(5.0), slice(10, 20))
    chk("delete", np.arange(5.0), A([], dtype=np.int64))
    chk("delete", np.arange(5.0), -1, axis=0)
    chk("delete", np.arange(5.0), A([5]))
    chk("delete", np.arange(5.0), A([-1, 2]))
    chk("trim_zeros", A([0.0, 0, 1, 0, 2, 3, 0, 0]))
    chk("trim_zeros", A([0.0, 0, 1, 0, 2, 3, 0, 0]), "f")
    chk("trim_zeros", A([0.0, 0, 1, 0, 2, 3, 0, 0]), "b")
    chk("trim_zeros", A([0.0, 0, 0]))
    chk("trim_zeros", A([]))
    chk("trim_zeros", A([0.0, 0, 1, 0, 2, 3, 0, 0]), "F")
    chk("trim_zeros", A([0.0, 0, 1, 0, 2, 3, 0, 0]), "x")
    chk("trim_zeros", A([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]]))
    chk("trim_zeros", A([[0.0, 0, 0], [0, 1, 0], [0, 2, 0]]), axis=0)
    chk("trim_zeros", A([[0.0, 0, 0], [0, 1, 0], [0, 2, 0]]), "b", axis=-1)
    chk("trim_zeros", A([0, 1, 0, 2]))
    chk("trim_zeros", A([False, True, False]))
    chk("trim_zeros", A([0j, 1, 0]))
    y = A([[1.0, 2, 3], [4, 5, 6]])
    w = A([[0.5, 0.25, 1], [2, 1, 0]])
    chk("average", y)
    chk("average", y, axis=0)
    chk("average", y, axis=1, weights=A([1.0, 2, 3]))
    chk("average", y, weights=w)
    chk("average", y, axis=0, weights=A([0.2, 0.8]), returned=True)
    chk("average", y, returned=True)
    chk("average", y, axis=1, returned=True, keepdims=True)
    chk("average", y, weights=w, axis=(0, 1))
    chk("average", y, weights=w, keepdims=True)
    chk("average", y, axis=1, weights=A([0.0, 0, 0]))
    chk("average", y, axis=1, weights=A([1.0, 2]))
    chk("average", y, weights=A([1.0, 2, 3]))
    chk("average", A([1, 2, 3]))
    chk("average", A([1, 2, 3]), weights=A([1, 1, 2]))
    chk("average", A([1.0, 2], dtype=np.float32), weights=A([1, 2]))
    chk("average", A([1.0, 2], dtype=np.float32))
    chk("average", A([1.0 + 1j, 2]), weights=A([1.0, 3]))
    chk("average", A([1, 2, 3]), weights=A([1, 1, 2]), returned=True)
    chk("average", A([1.0, 2, 3]), weights=A([0.0, 0, 0]))
    chk("average", np.ones((2, 3, 4)), weights=np.ones((3, 4)), axis=(1, 2))
    chk("average", np.arange(24.0).reshape(2, 3, 4), weights=A([1.0, 2, 3]), axis=1)
    chk(
        "average",
        np.arange(24.0).reshape(2, 3, 4),
        weights=np.arange(12.0).reshape(3, 4) + 1,
        axis=(2, 1),
    )
    chk("average", A([]))
    m = A([[0.0, 2], [1, 1], [2, 0]]).T
    chk("cov", m)
    chk("cov", m, ddof=0)
    chk("cov", m, bias=True)
    chk("cov", m.T, rowvar=False)
    chk("cov", A([1.0, 2, 3]))
    chk("cov", A([1.0, 2]), A([3.0, 5]))
    chk("cov", m, fweights=A([1, 2, 3]))
    chk("cov", m, aweights=A([1.0, 2, 3]))
    chk("cov", m, fweights=A([1, 2, 3]), aweights=A([1.0, 0.5, 2]))
    chk("cov", m, fweights=A([1, 2, 3]), aweights=A([1.0, 0.5, 2]), ddof=0)
    chk("cov", m, fweights=A([1.0, 2, 3]))
    chk("cov", m, fweights=A([1, -2, 3]))
    chk("cov", m, aweights=A([1.0, -2, 3]))
    chk("cov", m, fweights=A([1, 2]))
    chk("cov", m, aweights=A([[1.0, 2, 3]]))
    chk("cov", A([1.0]))
    chk("cov", A([[1.0, 2, 3]]), ddof=3)
    chk("cov", m, dtype=np.float32)
    chk("cov", A([[1 + 1j, 2], [3, 4j]]))
    chk("cov", A([1, 2, 3]))
    chk("cov", np.zeros((0, 3)))
    chk("cov", m, ddof=1.5)
    chk("cov", A([1.0, 2, 3]).astype(np.float32))
    chk("cov", m, A([[1.0, 2, 4]]))
    chk("corrcoef", m)
    chk("corrcoef", A([1.0, 2, 3]), A([1.0, 5, 2]))
    chk("corrcoef", m.T, rowvar=False)
    chk("corrcoef", A([[1 + 1j, 2], [3, 4j]]))
    chk("corrcoef", A([[1.0, 1, 1], [1, 2, 3]]))
    chk("corrcoef", A([1.0, 2]))
    chk("corrcoef", m, dtype=np.float32)
    chk("corrcoef", A([[1.0, 2, 3]]))
    chk("bincount", A([0, 1, 1, 3, 2, 1, 7]))
    chk("bincount", A([0, 1, 1, 3]), weights=A([0.3, 0.5, 0.2, 0.7]))
    chk("bincount", A([0, 1, 1, 3]), minlength=7)
    chk("bincount", A([], dtype=int))
    chk("bincount", A([], dtype=int), minlength=5)
    chk("bincount", A([0, -1]))
    chk("bincount", A([0, 1]), minlength=-1)
    chk("bincount", A([0.0, 1]))
    chk("bincount", A([[0, 1]]))
    chk("bincount", A([0, 1], dtype=np.uint8))
    chk("bincount", A([0, 1, 1]), weights=A([1, 2, 3]))
    chk("bincount", A([0, 1]), weights=A([1.0, 2, 3]))
    chk("bincount", A([0, 1]), minlength=0)
    chk("bincount", A([0, 1]), weights=A([1j, 2]))
    chk("digitize", A([-1.0, 0, 1, 2.5, 5]), A([0.0, 1, 2, 3]))
    chk("digitize", A([-1.0, 0, 1, 2.5, 5]), A([0.0, 1, 2, 3]), right=True)
    chk("digitize", A([-1.0, 0, 1, 2.5, 5]), A([3.0, 2, 1, 0]))
    chk("digitize", A([-1.0, 0, 1, 2.5, 5]), A([3.0, 2, 1, 0]), right=True)
    chk("digitize", A([1.0, 2]), A([1.0, 3, 2]))
    chk("digitize", A([1.0, 2]), A([]))
    chk("digitize", A([1, 2]), A([1.5]))
    chk("digitize", 1.5, A([1.0, 2]))
    chk("digitize", A([1.0 + 1j]), A([1.0]))
    chk("digitize", A([np.nan, 1]), A([0.0, np.nan]))
    chk("digitize", A([1.0]), A([[1.0]]))
    chk("digitize", A([2**63 - 1, 2**63 - 2], dtype=np.int64), A([2**63 - 2], dtype=np.int64))
    for args, kw in [
        ((A([1.0, 2, 1]),), {}),
        ((np.arange(10.0),), dict(bins=3)),
        ((A([1.0, 2, 3]),), dict(bins=[0, 1, 2, 4])),
        ((A([1.0, 2, 3]),), dict(bins=2, range=(0, 4))),
        ((A([1.0, 2, 3]),), dict(density=True)),
        ((A([1.0, 2, 3]),), dict(bins=[0.0, 1, 5], density=True)),
        ((A([1.0, 2, 3]),), dict(weights=A([1.0, 2, 3]))),
        ((A([1.0, 2, 3]),), dict(weights=A([1, 2, 3]))),
        ((A([1.0, 2, 3]),), dict(weights=A([1j, 2, 3]))),
        ((A([]),), {}),
        ((A([]),), dict(bins=3)),
        ((A([1.0, 1, 1]),), {}),
        ((A([1.0, np.inf]),), {}),
        ((A([1.0, np.nan]),), {}),
        ((A([1.0, 2]),), dict(range=(np.nan, 1))),
        ((A([1.0, 2]),), dict(range=(2, 1))),
        ((A([1.0, 2]),), dict(bins=-1)),
        ((A([1.0, 2]),), dict(bins=[2, 1])),
        ((A([1.0, 2]),), dict(bins="auto")),
        ((A([1.0, 2, 3, 9, 10]),), dict(bins="fd")),
        ((A([1.0, 2, 3, 9, 10]),), dict(bins="sturges")),
        ((A([1.0, 2, 3, 9, 10]),), dict(bins="doane")),
        ((A([1.0, 2, 3, 9, 10]),), dict(bins="scott")),
        ((A([1.0, 2, 3, 9, 10]),), dict(bins="rice")),
        ((A([1.0, 2, 3, 9, 10]),), dict(bins="sqrt")),
        ((A([1.0, 2, 3, 9, 10]),), dict(bins="stone")),
        ((A([1, 2, 3], dtype=np.uint8),), {}),
        ((A([True, False]),), {}),
        ((A([1.0, 2, 3]),), dict(bins=2.5)),
        ((A([1.0, 2, 3]),), dict(bins=np.int64(2))),
        ((A([0.1, 0.3]),), dict(bins=1, range=(0.0, 1.0))),
        ((A([1.0, 2, 3], dtype=np.float32),), {}),
        ((A([[1.0, 2], [3, 4]]),), {}),
        ((A([1e300, -1e300]),), {}),
        ((A([1.0, 2, 3]),), dict(bins=[1.0, 2, 3])),
        ((A([-9.0, 10]),), dict(bins=3, range=(0.0, 1.0))),
        ((A([1.0, 2]),), dict(weights=A([1.0, 2, 3]))),
        ((A([1.0, 2, 3, 4]),), dict(bins=2, range=(1, 4), weights=A([1.0, 1, 1, 1]), density=True)),
    ]:
        chk("histogram", *args, **kw)
    chk("histogram_bin_edges", A([1.0, 2, 3, 9, 10]), bins="auto")
    chk("histogram_bin_edges", A([1.0, 2, 3]), bins=3, range=(0, 3))
    chk("meshgrid", A([1.0, 2, 3]), A([4.0, 5]))
    chk("meshgrid", A([1.0, 2, 3]), A([4.0, 5]), indexing="ij")
    chk("meshgrid", A([1.0, 2, 3]), A([4.0, 5]), sparse=True)
    chk("meshgrid", A([1.0, 2, 3]))
    chk("meshgrid")
    chk("meshgrid", A([1.0, 2, 3]), A([4.0, 5]), indexing="xy", copy=False)
    chk("meshgrid", A([1.0, 2, 3]), A([4, 5]), indexing="abc")
    chk("meshgrid", A([[1.0, 2], [3, 4]]), A([5.0, 6]))
    chk("meshgrid", A([1.0]), A([2.0]), A([3.0, 4]), indexing="xy", sparse=True)
    chk("meshgrid", A(1.0), A([2.0, 3]))
    for w in ["bartlett", "hanning", "hamming", "blackman"]:
        for M in [0, 1, 2, 5, 6, -1, 4.0, np.int64(3)]:
            chk(w, M)
    for M in [0, 1, 5, 6, -2]:
        for beta in [0, 5.0, 14]:
            chk("kaiser", M, beta)
    chk("flip", np.arange(8.0).reshape(2, 2, 2))
    chk("flip", np.arange(8.0).reshape(2, 2, 2), 1)
    chk("flip", np.arange(8.0).reshape(2, 2, 2), (0, 2))
    chk("flip", np.arange(8.0).reshape(2, 2, 2), 3)
    chk("flip", np.arange(8.0).reshape(2, 2, 2), ())
    chk("flip", A(3.0))
    chk("flip", np.arange(4.0), -1)
    chk("flip", np.arange(4.0), (0, 0))
    chk("fliplr", np.arange(4.0))
    chk("fliplr", np.arange(4.0).reshape(2, 2))
    chk("flipud", A(1.0))
    chk("flipud", np.arange(4.0).reshape(2, 2))
    a = np.arange(6.0).reshape(2, 3)
    for k in [-5, -1, 0, 1, 2, 3, 4, 7]:
        chk("rot90", a, k)
    chk("rot90", a, 1, (1, 0))
    chk("rot90", a, 1, (0, 0))
    chk("rot90", a, 1, (0, 2))
    chk("rot90", np.arange(4.0))
    chk("rot90", np.arange(24.0).reshape(2, 3, 4), 1, (0, 2))
    chk("rot90", a, 1, (0, 1, 2))
    chk("rot90", a, 1, (-2, -1))
    chk("rot90", a, 1, (0, -2))
    chk("copy", a)
    chk("copy", a, order="F")
    chk("copy", A([1, 2]))
    chk("copy", A(1.0))
    chk("sort_complex", A([1, 3, 2]))
    chk("sort_complex", A([1.0 + 2j, 1 - 1j, 0, 3j]))
    chk("sort_complex", A([3.0, 1, 2]))
    chk("sort_complex", A([1, 3, 2], dtype=np.int8))
    chk("sort_complex", A([1, 3, 2], dtype=np.uint16))
    chk("sort_complex", A([1, 3], dtype=np.float32))
    chk("sort_complex", A([[1, 3], [2, 0]]))
    chk("sort_complex", A([True, False]))
    chk("sort_complex", A([1, 3], dtype=np.int64))
    chk("append", A([1.0, 2]), A([3.0]))
    chk("append", A([[1.0, 2]]), A([[3.0, 4]]), axis=0)
    chk("append", A([[1.0, 2]]), A([3.0, 4]), axis=0)
    chk("append", A([[1.0, 2]]), A([3.0, 4]))
    chk("append", A(1.0), 2.0)
    chk("append", A([1, 2]), A([3.5]))
    mat = A(
        [
            [0.6244, np.nan, 0.2692, 0.0116, np.nan, 0.1170],
            [0.5351, -0.9403, np.nan, 0.2100, 0.4759, 0.2833],
            [np.nan, np.nan, np.nan, 0.1042, np.nan, -0.5954],
            [0.1610, np.nan, np.nan, 0.1859, 0.3146, np.nan],
        ]
    )
    allnan = A([[np.nan, 1.0], [np.nan, 2]])
    fns = [
        "nanmin",
        "nanmax",
        "nanargmin",
        "nanargmax",
        "nansum",
        "nanprod",
        "nancumsum",
        "nancumprod",
        "nanmean",
        "nanvar",
        "nanstd",
        "nanmedian",
    ]
    for f in fns:
        for m in [
            mat,
            allnan,
            A([np.nan, np.nan]),
            np.full((2, 0), np.nan),
            A(np.nan),
            A(2.0),
            mat.astype(np.float32),
            A([1, 2, 3]),
            A([1 + 1j, np.nan, 2j]),
        ]:
            chk(f, m)
            chk(f, m, axis=0)
            chk(f, m, axis=-1)
        chk(f, mat, axis=1, keepdims=True) if "cum" not in f else None
        chk(f, mat, axis=(0, 1)) if "arg" not in f and "cum" not in f else None
        chk(f, np.zeros((0, 3)), axis=0)
        chk(f, np.zeros((0, 3)), axis=1)
    for f in ["nansum", "nanprod", "nanmean", "nanvar", "nanstd"]:
        chk(f, mat, axis=0, dtype=np.float32)
        chk(f, A([1, 2, np.nan]), where=A([True, False, True]))
        chk(f, mat, axis=0, initial=1.0) if f in ("nansum", "nanprod") else None
    chk("nanmin", mat, axis=0, initial=-1.0, where=~np.isnan(mat))
    chk("nanmax", mat, axis=1, where=A([True, False, True, True, False, True]), initial=0.0)
    chk("nanvar", mat, axis=0, ddof=1)
    chk("nanstd", mat, axis=1, ddof=2)
    chk("nanvar", mat, ddof=10)
    chk("nanvar", mat, axis=1, mean=np.nanmean(mat, axis=1, keepdims=True))
    chk("nanstd", mat, axis=1, correction=1)
    chk("nanvar", A([1 + 1j, np.nan, 2 - 3j]))
    chk("nanstd", A([1 + 1j, np.nan, 2 - 3j]), axis=0)
    for q in [50, [25, 75], 0, 100, A([[10, 90]])]:
        chk("nanpercentile", mat, q)
        chk("nanpercentile", mat, q, axis=0)
        chk("nanpercentile", mat, q, axis=1, keepdims=True)
        chk("nanpercentile", allnan, q, axis=0)
        chk("nanquantile", mat, np.asarray(q) / 100, axis=1)
    for meth in [
        "linear",
        "lower",
        "higher",
        "midpoint",
        "nearest",
        "inverted_cdf",
        "averaged_inverted_cdf",
        "closest_observation",
        "interpolated_inverted_cdf",
        "hazen",
        "weibull",
        "median_unbiased",
        "normal_unbiased",
    ]:
        chk("nanpercentile", mat, 40, axis=1, method=meth)
    chk("nanpercentile", mat, 101)
    chk("nanpercentile", mat, -1)
    chk("nanquantile", mat, 1.5)
    chk("nanpercentile", A([1, 2, 3]), 50)
    chk("nanpercentile", mat.astype(np.float32), 50)
    chk("nanmedian", mat.astype(np.float32), axis=0)
    chk("nanpercentile", mat, 50, axis=(0, 1))
    chk("nanmedian", mat, axis=(0, 1), keepdims=True)
    chk("nanmedian", np.arange(24.0).reshape(2, 3, 4), axis=(0, 2))
    chk("nanquantile", A([np.nan, 1, 2, 3]), 0.5, weights=A([1.0, 1, 2, 1]), method="inverted_cdf")
    chk("nanpercentile", mat, 30, axis=1, weights=np.ones_like(mat), method="inverted_cdf")
    chk("nanmedian", A([np.inf, np.nan, -np.inf]))
    chk("nanmedian", A([np.inf, np.nan, 1]))
    chk("nanmean", A([np.inf, -np.inf, np.nan]))
    chk("nanargmin", A([np.nan, np.nan]))
    chk("nanargmin", A([[np.nan, 1], [np.nan, np.nan]]), axis=1)
    chk("nanargmax", mat, axis=0, keepdims=True)
    a = A([5.0, 7, 1, 2])
    b = A([2.0, 4, 3, 1, 5])
    for f in ["intersect1d", "union1d", "setdiff1d", "setxor1d", "isin"]:
        chk(f, a, b)
        chk(f, A([]), b)
        chk(f, A([1, 2, 2]), A([2, 2, 3]))
        chk(f, A([[1.0, 2], [2, 3]]), A([3.0, 1]))
        chk(f, A([1.0, np.nan]), A([np.nan]))
        chk(f, A([1, 2], dtype=np.int8), A([2.5, 300]))
        chk(f, A([1.0, 2, 2]), A([2.0, 3]), assume_unique=True)
    chk("intersect1d", A([1.0, 2, 2, 3]), A([3.0, 1, 4]), return_indices=True)
    chk("intersect1d", A([1.0, 2, 2, 3]), A([3.0, 1, 4]), assume_unique=True, return_indices=True)
    chk("isin", A([[1, 2], [3, 4]]), A([2, 4]), invert=True)
    chk("isin", A([1, 5]), A([1, 2]), kind="table")
    chk("isin", A([1.0, 5]), A([1.0, 2]), kind="sort")
    chk("isin", A([1.0, 5]), A([1.0, 2]), kind="table")
    chk("isin", A([1, 5]), 1)
    chk("ediff1d", A([1.0, 2, 4, 7]))
    chk("ediff1d", A([1.0, 2, 4, 7]), to_end=[0.0, 1], to_begin=-1.0)
    chk("ediff1d", A([[1.0, 2], [4, 7]]))
    chk("ediff1d", A([]))
    chk("ediff1d", A([1, 2]), to_begin=0.5)
    chk("ediff1d", A([1, 2], dtype=np.int8), to_end=300)
    chk("ediff1d", A([1.0, 2]), to_begin=A([]))
    for x in [
        A([1.0, 2, 2, 3, 1]),
        A([[1.0, 0], [1, 0]]),
        A([]),
        A([np.nan, 1, np.nan]),
        A([1 + 1j, 1, 1 + 1j]),
        A([True, False, True]),
        A(3.0),
    ]:
        chk("unique", x)
        chk("unique", x, return_index=True, return_inverse=True, return_counts=True)
        chk("unique", x, equal_nan=False)
        chk("unique_values", x)
        chk("unique_counts", x)
        chk("unique_inverse", x)
        chk("unique_all", x)
    chk("unique", A([[1.0, 0], [1, 0], [2, 3]]), axis=0)
    chk("unique", A([[1.0, 0], [1, 0], [2, 3]]), axis=1, return_inverse=True, return_counts=True)
    chk("unique", A([[1.0, 0], [1, 0]]), axis=2)
    chk("unique", A([[1.0, 0], [1, 0]]), axis=0, return_inverse=True)
    chk("unique", A([2.0, 1, 2]), sorted=False)
    chk("unique", np.zeros((0, 2)), axis=0)
    chk("unique", np.zeros((2, 0)), axis=0)
    # twodim
    for args, kw in [
        ((3,), {}),
        ((3, 4), {}),
        ((3, 4, 1), {}),
        ((3, 4, -2), {}),
        ((3,), dict(k=5)),
        ((0,), {}),
        ((3,), dict(dtype=int)),
        ((3,), dict(dtype=bool)),
        ((3, 2), dict(order="F")),
        ((2, 3, np.int64(1)), {}),
        ((-1,), {}),
    ]:
        chk("eye", *args, **kw)
    chk("eye", 2, 3, 1.0)
    for k in [0, 1, -1, 5, -5]:
        chk("diag", A([1.0, 2, 3]), k)
        chk("diag", np.arange(12.0).reshape(3, 4), k)
        chk("diagflat", A([[1.0, 2], [3, 4]]), k)
        chk("tri", 3, 4, k)
        chk("tril", np.arange(12.0).reshape(3, 4), k)
        chk("triu", np.arange(12.0).reshape(3, 4), k)
        chk("tril", np.arange(24.0).reshape(2, 3, 4), k)
        chk("triu", np.arange(24.0).reshape(2, 3, 4), k)
        chk("tril_indices", 4, k)
        chk("triu_indices", 4, k, 5)
        chk("tril_indices_from", np.ones((3, 5)), k)
        chk("triu_indices_from", np.ones((3, 5)), k)
    chk("diag", A(1.0))
    chk("diag", np.ones((2, 2, 2)))
    chk("tri", 3, dtype=int)
    chk("tri", 0)
    chk("tril", A([1.0, 2, 3]))
    chk("triu", A([True, False]))
    chk("tril", np.ones((3, 3), dtype=int))
    chk("tril", np.zeros((0, 3)))
    chk("tril_indices_from", np.ones(3))
    chk("tril", A(1.0))
    chk("diag", A([1, 2]), 1.0)
    chk("tril_indices", 3, m=0)
    chk("triu_indices", 0)
    for x in [A([1.0, 2, 3, 5]), A([1, 2, 3]), A([1 + 1j, 2]), A([]), A([2.0], dtype=np.float32)]:
        for N in [None, 0, 1, 3]:
            chk("vander", x, N)
            chk("vander", x, N, increasing=True)
    chk("vander", A([[1.0, 2]]))
    chk("vander", A([1, 2], dtype=np.uint8), 4)
    chk("vander", A([1.0, 2]), -1)
    x = A([0.1, 0.4, 0.5, 0.9, 1.0])
    y = A([0.2, 0.3, 0.6, 0.8, 0.0])
    chk("histogram2d", x, y)
    chk("histogram2d", x, y, bins=3)
    chk("histogram2d", x, y, bins=[2, 3])
    chk("histogram2d", x, y, bins=[A([0.0, 0.5, 1]), A([0.0, 1])])
    chk("histogram2d", x, y, range=[[0, 1], [0, 1]], density=True)
    chk("histogram2d", x, y, weights=A([1.0, 2, 3, 4, 5]))
    chk("histogram2d", x, y, bins=A([0.0, 0.5, 1]))
    chk("histogram2d", A([]), A([]))
    chk("histogram2d", x, y[:4])
    chk("histogram2d", x, y, bins=[2, A([0.0, 1])])
    chk("histogram2d", A([1, 2]), A([1, 2]))
    chk("histogramdd", np.stack([x, y], 1))
    chk("histogramdd", np.stack([x, y, x], 1), bins=(2, 3, 4))
    chk("histogramdd", np.stack([x, y], 1), bins=2, weights=x, density=True)
    # index tricks
    chk("ravel_multi_index", (A([3, 6, 6]), A([4, 5, 1])), (7, 6))
    chk("ravel_multi_index", (A([3, 6, 6]), A([4, 5, 1])), (7, 6), order="F")
    chk("ravel_multi_index", (A([3, 6, 6]), A([4, 5, 1])), (4, 6))
    chk("ravel_multi_index", (A([3, 6, 6]), A([4, 5, 1])), (4, 6), mode="clip")
    chk("ravel_multi_index", (A([3, 6, 6]), A([4, 5, 1])), (4, 4), mode=("clip", "wrap"))
    chk("ravel_multi_index", (3, 1, 4, 1), (6, 7, 8, 9))
    chk("ravel_multi_index", (A([-1, 1]), A([0, 1])), (2, 2))
    chk("ravel_multi_index", (A([-1, 1]), A([0, 1])), (2, 2), mode="wrap")
    chk("ravel_multi_index", (A([1.0]), A([0.0])), (2, 2))
    chk("ravel_multi_index", (A([1]),), (2, 2))
    chk("ravel_multi_index", (A([], dtype=int), A([], dtype=int)), (5, 3))
    chk("ravel_multi_index", (A([1]), A([1])), (2**40, 2**40))
    chk("unravel_index", A([22, 41, 37]), (7, 6))
    chk("unravel_index", A([31, 41, 13]), (7, 6), order="F")
    chk("unravel_index", 1621, (6, 7, 8, 9))
    chk("unravel_index", A([42]), (7, 6))
    chk("unravel_index", -1, (3,))
    chk("unravel_index", A([1.0]), (3,))
    chk("unravel_index", 0, ())
    chk("unravel_index", 2, ())
    chk("unravel_index", A([], dtype=int), (10, 3, 5))
    chk("unravel_index", A([[1, 2]]), (2, 2))
    chk("ix_", A([0, 1]), A([2, 4]))
    chk("ix_", A([True, False, True]))
    chk("ix_", A([[1]]))
    chk("ix_", A([1.0, 2]))
    chk("ix_")
    chk("ix_", A([], dtype=int))
    chk("diag_indices", 4)
    chk("diag_indices", 2, 3)
    chk("diag_indices_from", np.ones((3, 3)))
    chk("diag_indices_from", np.ones((3, 4)))
    chk("diag_indices_from", np.ones(3))
    # ufunclike, type check
    chk("fix", A([[1.0, 1.1, 1.5, 1.8], [-1.0, -1.1, -1.5, -1.8]]))
    chk("fix", A([1, -2]))
    chk("fix", A(-3.5))
    chk("fix", A([np.inf, -np.inf, np.nan, -0.0]))
    chk("fix", A([1.5], dtype=np.float32))
    chk("fix", A([1 + 1j]))
    chk("isposinf", A([np.inf, -np.inf, np.nan, 0]))
    chk("isneginf", A([np.inf, -np.inf, np.nan, 0]))
    chk("isposinf", A([1, 2]))
    chk("isneginf", A([1 + 1j]))
    chk("isposinf", A([True]))
    z = A([1 + 1j, 1, 3j, 0])
    r = A([1.0, 2])
    i = A([1, 2])
    for f in ["real", "imag", "iscomplex", "isreal", "iscomplexobj", "isrealobj", "real_if_close"]:
        chk(f, z)
        chk(f, r)
        chk(f, i)
        chk(f, A(1 + 0j))
        chk(f, 1 + 2j)
        chk(f, [1.0, 2])
        chk(f, A([1 + 1e-15j]))
        chk(f, A([1 + 1e-15j], dtype=np.complex64))
        chk(f, A([True]))
    chk("real_if_close", A([2.1 + 4e-14j, 5.2 + 3e-15j]), tol=1000)
    chk("real_if_close", A([2.1 + 4e-13j]), tol=1000)
    chk("real_if_close", A([2.1 + 4e-13j]), tol=1e-10)
    chk("real_if_close", A([2.1 + 4e-3j]), tol=0.01)
    for x in [
        A([np.nan, np.inf, -np.inf, 1.5]),
        A([np.nan + np.inf * 1j, -np.inf - 1j * np.nan, 1 + 1j]),
        A([1, 2]),
        A(np.nan),
        A([np.nan], dtype=np.float32),
        A([np.inf], dtype=np.float16),
        A([True]),
    ]:
        chk("nan_to_num", x)
        chk("nan_to_num", x, nan=10.0, posinf=20.0, neginf=-30.0)
        chk("nan_to_num", x, copy=False)
        chk("nan_to_num", x, posinf=A(5.0))
    chk("nan_to_num", A([np.nan, np.inf]), nan=A([1.0, 2]))
    chk("nan_to_num", 1.5)
    chk("nan_to_num", np.inf)
    chk("nan_to_num", np.nan, nan=5)
    # percentile, quantile, median (TestPercentile, TestQuantile, TestMedian)
    x = np.arange(8.0) * 0.5
    m = np.arange(12.0).reshape(3, 4)[::-1] ** 1.3
    for f in ["percentile", "quantile"]:
        s = 1 if f == "percentile" else 0.01
        for q in [50 * s, [25 * s, 75 * s], 0, 100 * s, A([[10 * s, 90 * s]])]:
            chk(f, x, q)
            chk(f, m, q, axis=0)
            chk(f, m, q, axis=1, keepdims=True)
            chk(f, m, q, axis=(0, 1))
            chk(f, A([1, 2, 3, 4]), q)
            chk(f, A([1.0, np.nan, 3]), q)
            chk(f, x.astype(np.float32), q)
        for meth in [
            "linear",
            "lower",
            "higher",
            "midpoint",
            "nearest",
            "inverted_cdf",
            "averaged_inverted_cdf",
            "closest_observation",
            "interpolated_inverted_cdf",
            "hazen",
            "weibull",
            "median_unbiased",
            "normal_unbiased",
        ]:
            chk(f, m, 40 * s, axis=1, method=meth)
            chk(f, A([1, 2, 3, 4, 5]), 33 * s, method=meth)
        chk(f, x, 101 * s)
        chk(f, x, -1 * s)
        chk(f, A([]), 50 * s)
        chk(f, x, 50 * s, method="foo")
        chk(f, A([1.0, 2]), A(50 * s))
        chk(f, A([True, False]), 50 * s)
        chk(f, A([1 + 1j, 2]), 50 * s)
        chk(f, A([np.inf, 1, 2]), 50 * s)
        chk(f, A([-np.inf, np.inf]), 50 * s)
        chk(f, A([1.0, 2, 3]), 30 * s, weights=A([1.0, 2, 1]), method="inverted_cdf")
        chk(f, A([0.1, 0.2], dtype=np.float32), A(50 * s, dtype=np.float64))
        chk(f, A([0.1, 0.2]), A(0.5 * s, dtype=np.float32))
        chk(f, A([1, 2], dtype=np.int8), 50 * s, method="lower")
    for a in [
        A([1.0, 3, 2]),
        A([4.0, 1, 3, 2]),
        m,
        A([]),
        A(3.0),
        A([np.nan, 1, 2]),
        A([1, 2, 3, 4]),
        A([np.inf, np.inf]),
        A([-np.inf, np.inf]),
        A([1.0], dtype=np.float32),
        A([True, False]),
        A([1 + 1j, 2]),
    ]:
        chk("median", a)
        chk("median", a, axis=-1)
        chk("median", a, keepdims=True)
    chk("median", m, axis=(0, 1))
    chk("median", np.arange(24.0).reshape(2, 3, 4), axis=(0, 2), keepdims=True)
    chk("median", m, axis=2)
    # more edge cases of gradient, unwrap, interp, trapezoid, select, bincount, cov
    chk("gradient", A(3.0))
    chk("gradient", A([1, 2, 250], dtype=np.uint8))
    chk("gradient", A([1, 2, 120], dtype=np.int8))
    chk("gradient", np.arange(6.0).reshape(2, 3), axis=None)
    chk("gradient", np.arange(6.0).reshape(2, 3), 1.0, axis=(1,))
    chk("gradient", np.arange(6.0).reshape(2, 3), A([1.0, 2]), axis=0)
    chk("gradient", np.arange(6.0).reshape(2, 3), A([1.0, 2, 5]), axis=0)
    chk("gradient", np.arange(6.0).reshape(2, 3), 1.0, 2.0, 3.0)
    chk("gradient", np.arange(5.0), A([[1.0, 2]]))
    chk("gradient", np.arange(6.0).reshape(2, 3), axis=(0, 0))
    chk("gradient", np.arange(6.0).reshape(2, 3), axis=2)
    chk("gradient", A([1.0, 2, 4, 8]), A([0.0, 1, 1, 2]))
    chk("gradient", np.arange(5.0), A(0.5))
    chk("gradient", np.arange(5.0) ** 2, A([0, 1, 3, 4, 7]), edge_order=2)
    chk("gradient", A([[1.0, 2, 6], [3, 4, 5]]), edge_order=2, axis=0)
    chk("unwrap", A([0.0, 2.8, 6.1, 9.0]), discont=1.0)
    chk("unwrap", A([0.0, 2.8, 6.1, 9.0]), discont=5.0)
    chk("unwrap", A([0.0, 2.8, 6.1, 9.0]), period=5.0, discont=1.0)
    chk("unwrap", A([]))
    chk("unwrap", A(1.0))
    chk("unwrap", A([1.0, np.nan, 7]))
    chk("interp", A([1.0]), A([0.0, np.nan]), A([0.0, 1]))
    chk("interp", A([np.inf, -np.inf]), A([0.0, 1]), A([0.0, 1]))
    chk("interp", A([0.5]), A([0.0, 1]), A([0.0, np.inf]))
    chk("interp", A([0.0, 1]), A([0.0, 1]), A([1, 2]))
    chk("trapezoid", np.arange(6.0).reshape(2, 3), dx=A([1.0, 2]))
    chk("trapezoid", np.arange(6.0).reshape(2, 3), x=A([[1.0, 2, 3]]))
    chk("trapezoid", A([1.0, 2]), x=A([1.0, 2, 3]))
    chk("sinc", A([np.inf, np.nan, 1e-300]))
    chk("i0", A([700.0, -700]))
    chk("i0", A([np.inf, np.nan]))
    chk(
        "select",
        [A([True, False]), A([False, True])],
        [A([1.0, 2]), A([3.0, 4])],
        default=A([9.0, 9, 9]),
    )
    chk("select", [A([[True], [False]])], [A([1.0, 2])])
    chk("bincount", A([1, 2]), weights=A([1.0, 2]).astype(np.float32))
    chk("bincount", A([1, 2]), minlength=np.int64(4))
    chk("bincount", A([1, 2]), minlength=None)
    chk("digitize", A([1.0, 2]), A([1.0, 1, 2]))
    chk("digitize", A([1.0, 2]), A([2.0, 1, 1]), right=True)
    chk("cov", A([[1.0, 2, 3]]), fweights=A([1, 0, 2]))
    chk("cov", A([[1.0, 2, 3]]), aweights=A([0.0, 0, 0]))
    chk("cov", A([[1.0, 2, 3]]), ddof=5)
    chk("corrcoef", A([[1.0, 2, 3], [1, 1, 1]]))
    return cases


CASES = _build_cases()


def _deviation(c: Case, tensor: bool):
    """``("dtype", reason)``: values compared, dtype gpuad's own; ``("refuse", exc, reason)``:
    gpuad raises ``exc`` where NumPy answers; None: NumPy's behaviour exactly."""
    arrays = [a for a in c.args if isinstance(a, np.ndarray)]
    if (
        c.name in ("interp", "cov")
        and c.kw.get("dtype") is None
        and any(a.dtype == np.float32 for a in arrays)
    ):
        return ("dtype", "float32 kept, as CuPy, JAX and torch")
    if tensor and c.name in ("nanmin", "nanmax") and arrays and arrays[0].dtype.kind == "c":
        return ("refuse", ComplexError, "min and max of complex values are not differentiable")
    if c.name == "ediff1d" and c.kw.get("to_end") == 300:
        return ("refuse", OverflowError, "300 does not fit int8 (NumPy wraps it)")
    if c.name == "piecewise" and np.ndim(c.args[0]) == 0 and isinstance(c.args[1], np.ndarray):
        return ("refuse", TypeError, "a bare 0-d condition with two functions (NumPy: IndexError)")
    return None


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
    if isinstance(r, tuple):  # (named tuples too)
        return tuple(_host(x) for x in r)
    if isinstance(r, list):
        return [_host(x) for x in r]
    if isinstance(r, ad.Tensor) or hasattr(r, "get"):
        return to_numpy(r)
    return r


def _assert_same(want, got, check_dtype: bool, where: str):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), where
        for w, g in zip(want, got, strict=True):
            _assert_same(w, g, check_dtype, where)
        return
    w, g = np.asarray(want), np.asarray(got)
    assert g.shape == w.shape, f"{where}: shape {g.shape}, NumPy {w.shape}"
    if check_dtype:
        assert g.dtype == w.dtype, f"{where}: dtype {g.dtype}, NumPy {w.dtype}"
    if w.dtype.kind in "fc" or g.dtype.kind in "fc":
        low = (
            np.float32 in (w.dtype, g.dtype)
            or np.complex64 in (w.dtype, g.dtype)
            or np.float16 in (w.dtype, g.dtype)
        )
        np.testing.assert_allclose(
            g,
            w,
            rtol=2e-5 if low else 1e-10,
            atol=1e-6 if low else 1e-12,
            equal_nan=True,
            err_msg=where,
        )
    else:
        np.testing.assert_array_equal(g, w, err_msg=where)


def _run(fn, args, kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kw), None
        except Exception as e:  # noqa: BLE001 (the exception is what is compared)
            return None, e


@pytest.mark.parametrize("tensor", [False, True], ids=["array", "tensor"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-{i}" for i, c in enumerate(CASES)])
def test_numpy_lib_case(backend, case, tensor):
    dev = _deviation(case, tensor)
    # (a copy: copy=False cases write into their arguments)
    want, we = _run(getattr(np, case.name), *copy.deepcopy((case.args, case.kw)))
    # gradient's spacings are constants (differentiating them raises, a documented refusal)
    args = [
        _conv(a, tensor and (i == 0 or case.name != "gradient")) for i, a in enumerate(case.args)
    ]
    got, ge = _run(getattr(gnp, case.name), args, {k: _conv(v, tensor) for k, v in case.kw.items()})
    where = f"{case!r} on {'Tensors' if tensor else 'arrays'}"
    if dev is not None and dev[0] == "refuse":
        assert isinstance(ge, dev[1]), f"{where}: expected {dev[1].__name__} ({dev[2]}), got {ge!r}"
        return
    if we is not None:
        assert ge is not None, f"{where}: NumPy raised {we!r}, gpuad gave {_host(got)!r}"
        assert isinstance(ge, type(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
        return
    assert ge is None, f"{where}: gpuad raised {ge!r}"
    _assert_same(want, _host(got), dev is None, where)


# ---- gradients at NumPy's test points, against float64 central differences ----------------
# (points away from kinks, knots and ties, where differences and derivatives agree)

mat = A(
    [
        [0.6244, np.nan, 0.2692, 0.0116, np.nan, 0.1170],
        [0.5351, -0.9403, np.nan, 0.2100, 0.4759, 0.2833],
        [np.nan, np.nan, np.nan, 0.1042, np.nan, -0.5954],
        [0.1610, np.nan, np.nan, 0.1859, 0.3146, np.nan],
    ]
)
xs = A([0.0, 1.0, 1.5, 3.5, 4.0, 6.0])
GRAD_CASES = {
    "diff_prepend": (
        lambda a: gnp.diff(a, n=2, prepend=a[:1] * 2, append=1.0),
        (A([1.0, 4, 6, 7, 12]),),
    ),
    "gradient_edge2_x": (lambda f: gnp.gradient(f, xs, edge_order=2), (xs**2.5,)),
    "gradient_2d": (
        lambda f: gnp.stack(gnp.gradient(f, A([0.0, 1, 3]), 2.0, edge_order=2)),
        (np.arange(12.0).reshape(3, 4) ** 1.5,),
    ),
    "interp_period": (
        lambda x, xp, fp: gnp.interp(x, xp, fp, period=360),
        (A([-171.0, -185, 186, -12, -5, 3]), A([190.0, -190, 350, -350]), A([5.0, 10, 3, 4])),
    ),
    "interp_lr": (
        lambda x, xp, fp: gnp.interp(x, xp, fp, left=-2.0, right=9.0),
        (A([0.1, 0.3, 0.77, 1.5, -1]), np.linspace(0, 1, 5), A([0.0, 2, 1, 3, 5])),
    ),
    "unwrap": (lambda a: gnp.unwrap(a), (A([1.0, 3 * np.pi, 1.5, 0.3, 7.0]),)),
    "unwrap_period": (lambda a: gnp.unwrap(a, period=4), (A([0.0, 1.1, 2.2, -1.3, 0.2]),)),
    "sinc": (gnp.sinc, (A([0.1, 0.5, 1.3, -2.5]),)),
    "i0": (gnp.i0, (A([0.1, 1.0, 2.5, -3, 9.0]),)),
    "trapezoid_x": (
        lambda y, x: gnp.trapezoid(y, x, axis=1),
        (np.arange(12.0).reshape(3, 4) + 1, np.arange(12.0).reshape(3, 4) ** 2),
    ),
    "cumulative_sum": (
        lambda a: gnp.cumulative_sum(a, axis=1, include_initial=True),
        (np.arange(6.0).reshape(2, 3),),
    ),
    "cumulative_prod": (
        lambda a: gnp.cumulative_prod(a, axis=0, include_initial=True),
        (np.arange(6.0).reshape(2, 3) + 0.5,),
    ),
    "angle": (lambda z: gnp.angle(z, deg=True), (A([1 + 3j, -2 + 0.5j, 1j + 0.2, 1 - 2j]),)),
    "select": (
        lambda a, b: gnp.select(
            [A([False, True, True]), A([True, False, True])], [a, b], default=a * b
        ),
        (A([1.0, 2, 3]), A([4.0, 5, 6])),
    ),
    "piecewise": (
        lambda x: gnp.piecewise(x, [x < 0, x >= 0], [lambda v: -(v**2), lambda v: v * 2]),
        (A([-1.0, 2, -0.5, 3]),),
    ),
    "extract": (lambda a: gnp.extract(A([1, 0, 1, 1]), a), (A([1.0, 2, 3, 4]),)),
    "insert": (lambda a, v: gnp.insert(a, [1, -1, 3], v), (A([1.0, 2, 3]), A([7.0, 8, 9]))),
    "insert_axis": (
        lambda a, v: gnp.insert(a, 1, v, axis=1),
        (A([[1.0, 1], [2, 2], [3, 3]]), A([1.0, 2, 3])),
    ),
    "delete": (lambda a: gnp.delete(a, [0, 2], axis=1), (np.arange(12.0).reshape(3, 4),)),
    "average_w": (
        lambda y, w: gnp.average(y, axis=1, weights=w, returned=True)[0],
        (A([[1.0, 2, 3], [4, 5, 6]]), A([0.5, 0.25, 1])),
    ),
    "average_tuple": (
        lambda y, w: gnp.average(y, axis=(2, 0), weights=w),
        (np.arange(24.0).reshape(2, 3, 4), np.arange(8.0).reshape(4, 2) + 1),
    ),
    "cov_aw": (
        lambda m, aw: gnp.cov(m, fweights=A([1, 2, 3]), aweights=aw),
        (A([[0.0, 1, 2], [2, 1.5, 0]]), A([1.0, 0.5, 2])),
    ),
    "cov_ddof": (lambda m: gnp.cov(m, ddof=0), (A([[0.0, 1, 2], [2, 1.5, 0]]),)),
    "corrcoef": (lambda m: gnp.corrcoef(m), (A([[0.0, 1, 2.2], [2, 1.5, 0], [1, 2, 4]]),)),
    "cov_complex": (lambda m: gnp.cov(m), (A([[1 + 1j, 2, 0.5j], [3, 4j, 1]]),)),
    "nansum": (lambda a: gnp.nansum(a, axis=0), (mat,)),
    "nanprod": (lambda a: gnp.nanprod(a, axis=1), (mat,)),
    "nancumsum": (lambda a: gnp.nancumsum(a, axis=1), (mat,)),
    "nancumprod": (lambda a: gnp.nancumprod(a, axis=0), (mat,)),
    "nanmean": (lambda a: gnp.nanmean(a, axis=1), (mat,)),
    "nanvar": (lambda a: gnp.nanvar(a, axis=1, ddof=1), (mat,)),
    "nanstd": (lambda a: gnp.nanstd(a, axis=0), (mat[:, [0, 3, 5]],)),
    "nanmedian": (lambda a: gnp.nanmedian(a, axis=1), (mat,)),
    "nanpercentile": (lambda a: gnp.nanpercentile(a, [30, 75], axis=1), (mat,)),
    "nanmin": (lambda a: gnp.nanmin(a, axis=1), (mat,)),
    "nanmax": (lambda a: gnp.nanmax(a), (mat,)),
    "nanvar_complex": (lambda a: gnp.nanvar(a), (A([1 + 1j, np.nan, 2 - 3j, 0.5]),)),
    "vander": (lambda x: gnp.vander(x, 4, increasing=True), (A([1.0, 2, 3, 5]),)),
    "diag": (lambda x: gnp.diag(x, 1), (np.arange(12.0).reshape(3, 4),)),
    "diagflat": (lambda x: gnp.diagflat(x, -1), (A([[1.0, 2], [3, 4]]),)),
    "tril1d": (lambda x: gnp.tril(x, 1), (A([1.0, 2, 3]),)),
    "triu": (lambda x: gnp.triu(x, -1), (np.arange(24.0).reshape(2, 3, 4),)),
    "sort_complex": (gnp.sort_complex, (A([1.0 + 2j, 2 - 1j, 0.5, 3j]),)),
    "real_if_close": (lambda z: gnp.real_if_close(z * 1.0), (A([2.1 + 4e-16j, 5.2 + 3e-17j]),)),
    "nan_to_num": (
        lambda x: gnp.nan_to_num(x * 2, nan=10.0, posinf=20.0, neginf=-30.0),
        (A([0.5, 1.5, -2.0]),),
    ),
    "fix": (gnp.fix, (A([1.1, 1.5, -1.8]),)),
    "flip": (lambda x: gnp.flip(x, (0, 2)), (np.arange(8.0).reshape(2, 2, 2),)),
    "rot90": (lambda x: gnp.rot90(x, 3, (0, 2)), (np.arange(24.0).reshape(2, 3, 4),)),
    "append": (lambda a, b: gnp.append(a, b, axis=0), (A([[1.0, 2]]), A([[3.0, 4]]))),
    "meshgrid": (
        lambda a, b: gnp.stack(gnp.meshgrid(a, b * a[:2], indexing="ij")),
        (A([1.0, 2, 3]), A([4.0, 5])),
    ),
    "histogram_w": (
        lambda w: gnp.histogram(gnp.asarray(A([1.0, 2, 1, 3])), bins=3, weights=w)[0],
        (A([0.5, 1.0, 2, 3]),),
    ),
    "bincount_w": (lambda w: gnp.bincount(A([0, 1, 1, 3]), weights=w), (A([0.3, 0.5, 0.2, 0.7]),)),
    "histogram2d_w": (
        lambda w: gnp.histogram2d(
            A([0.1, 0.4, 0.5, 0.9]), A([0.2, 0.3, 0.6, 0.8]), bins=2, weights=w
        )[0],
        (A([1.0, 2, 3, 4]),),
    ),
    "real_imag": (lambda z: gnp.real(z) * gnp.imag(z), (A([1 + 1j, 2 - 3j]),)),
    "copy": (gnp.copy, (A([1.0, 2]),)),
    "ediff1d": (lambda a: gnp.ediff1d(a, to_end=a[:2], to_begin=-1.0), (A([1.0, 2, 4, 7]),)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_numpy_lib_gradient(backend, name):
    f, args = GRAD_CASES[name]
    check_grads(f, tuple(_xp().asarray(a) for a in args), order=2, modes=("rev", "fwd"))


def test_trim_zeros_gradient(backend):
    """trim_zeros' shape follows the zeros, so no difference quotient: the vjp by hand."""
    x = ad.tensor(_xp().asarray([0.0, 0, 1, 0, 2, 3, 0, 0]), requires_grad=True)
    gnp.sum(gnp.trim_zeros(x) * _xp().asarray([1.0, 2, 3, 4])).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [0, 0, 1, 2, 3, 4, 0, 0])


@pytest.mark.parametrize(
    "name",
    [
        "nanmin",
        "nanmax",
        "nanmean",
        "nanvar",
        "nanstd",
        "nanmedian",
        "nanpercentile",
        "nanquantile",
    ],
)
def test_all_nan_slices(backend, name):
    """NumPy's value for an all-NaN column (NaN) with keepdims, on arrays and on Tensors whose
    gradient then is zero there; gpuad does not warn (see the module docstring)."""
    x = np.array([[np.nan, 1.0, 4.0], [np.nan, 2.0, np.nan]])
    q = {"nanpercentile": (50,), "nanquantile": (0.5,)}.get(name, ())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = getattr(np, name)(x, *q, axis=0, keepdims=True)
    t = ad.tensor(_xp().asarray(x), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = getattr(gnp, name)(t, *q, axis=0, keepdims=True)
    _assert_same(want, to_numpy(got), True, name)
    gnp.sum(gnp.where(gnp.isnan(got), 0.0, got)).backward()
    g = to_numpy(t.grad)
    assert np.all(g[:, 0] == 0) and np.all(np.isfinite(g)), g


_OUT_FUNCS = [
    "nanmin",
    "nanmax",
    "nansum",
    "nanprod",
    "nancumsum",
    "nancumprod",
    "nanmean",
    "nanvar",
    "nanstd",
    "nanmedian",
    "nanpercentile",
    "nanquantile",
    "median",
    "percentile",
    "quantile",
    "ptp",
]


@pytest.mark.parametrize("name", _OUT_FUNCS)
def test_out_argument(backend, name):
    """NumPy's ``out=``: the result written into ``out`` and ``out`` returned; into a Tensor
    the write is recorded (the gradient reaches the input through it); a wrong shape raises."""
    x = np.array([[0.6, np.nan, 0.2, 1.5], [0.5, -0.9, np.nan, 0.25], [0.1, 0.3, 0.7, -2.0]])
    if name in ("median", "percentile", "quantile", "ptp"):
        x = np.nan_to_num(x)
    q = {
        "nanpercentile": (40,),
        "percentile": (40,),
        "nanquantile": (0.4,),
        "quantile": (0.4,),
    }.get(name, ())
    want = getattr(np, name)(x, *q, axis=1)
    out = _xp().zeros(want.shape)
    assert getattr(gnp, name)(_xp().asarray(x), *q, axis=1, out=out) is out
    _assert_same(want, to_numpy(out), True, name)
    t = ad.tensor(_xp().asarray(x), requires_grad=True)
    tout = ad.tensor(_xp().zeros(want.shape))
    assert getattr(gnp, name)(t, *q, axis=1, out=tout) is tout
    _assert_same(want, to_numpy(tout), True, name)
    u = np.linspace(1.0, 2.0, want.size).reshape(want.shape)
    gnp.sum(tout * _xp().asarray(u)).backward()
    ref = ad.tensor(_xp().asarray(x), requires_grad=True)
    gnp.sum(getattr(gnp, name)(ref, *q, axis=1) * _xp().asarray(u)).backward()
    np.testing.assert_allclose(to_numpy(t.grad), to_numpy(ref.grad))
    with pytest.raises(ValueError, match=name):
        getattr(gnp, name)(_xp().asarray(x), *q, axis=1, out=_xp().zeros(want.size + 1))


def _filled_diagonal(a, v):
    a = a * 1.0
    gnp.fill_diagonal(a, v, wrap=True)
    return a


def _placed(a, v):
    a = a * 1.0
    gnp.place(a, np.arange(6).reshape(2, 3) % 2 == 0, v)
    return a


@pytest.mark.parametrize(
    "f, args",
    [
        (_filled_diagonal, (np.arange(21.0).reshape(7, 3), np.array([1.0, 2]))),
        (_placed, (np.arange(6.0).reshape(2, 3), np.array([10.0, 20]))),
        (lambda a, b: gnp.r_[a, 0:2, b * 2], (np.array([1.0, 2]), np.array([3.0]))),
        (lambda a, b: gnp.c_[a, b * 2], (np.array([1.0, 2]), np.array([3.0, 4]))),
        (lambda a: a[gnp.ix_([0, 1], [1])], (np.array([[1.0, 2], [3, 4]]),)),
    ],
    ids=["fill_diagonal", "place", "r_", "c_", "ix_"],
)
def test_writes_and_index_tricks_gradients(backend, f, args):
    """The in-place writers (recorded into a Tensor) and the index tricks, to second order."""
    check_grads(f, tuple(_xp().asarray(a) for a in args), order=2, modes=("rev", "fwd"))
