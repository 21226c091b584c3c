"""NumPy's core tests (numpy/_core/tests: test_umath, test_numeric, test_shape_base,
test_einsum) ported to gpuad.numpy: each case runs NumPy on host arrays and gpuad.numpy on
backend arrays and on Tensors (requiring grad where they float), and compares values, dtypes,
shapes and signed zeros, or the exception class where NumPy raises. The differentiable
functions are checked against float64 central differences at points taken from those tests.
Indexing (test_indexing) is in test_numpy_core_indexing.py.

Where gpuad deliberately differs, the tables below say how and why, and each listed case is
checked to behave as listed:

- ``REFUSED``: clip, maximum, minimum, fmax and fmin of complex Tensors being differentiated
  raise ComplexError (NumPy's lexicographic order of complex values has no derivative; on
  arrays gpuad gives NumPy's values); ``tensordot`` with ``axes=`` beyond the ranks raises
  ValueError naming itself (NumPy: an incidental IndexError);
- ``EXTENDED``: where NumPy raises and gpuad gives the value JAX and PyTorch give:
  ``clip(x, lo)`` with one bound, ``einsum('...->', x)`` summing the ellipsis axes;
- ``COMPLEX_DIFFERENCES`` (empty now) would list functions whose complex special values
  differ from NumPy's;
- ``empty_like`` is compared in shape and dtype only.
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
F16, F32, F64 = np.float16, np.float32, np.float64

#: what gpuad refuses on purpose: case label -> (exception, reason)
REFUSED = {
    "clip-complex-tensor": (
        ComplexError, "clip orders complex values lexicographically (NumPy), an order with no "
                      "derivative; on arrays gpuad gives NumPy's values"),
    "minmax-complex-tensor": (
        ComplexError, "maximum/minimum/fmax/fmin of complex values compare lexicographically, "
                      "with no derivative; on arrays gpuad gives NumPy's values"),
    "tensordot-too-many-axes": (
        ValueError, "axes= beyond the inputs' ranks; NumPy's IndexError (tuple index out of "
                    "range) is an accident of its implementation"),
}

#: where NumPy raises and gpuad, as JAX and PyTorch, gives a value: label -> (NumPy's
#: function giving that value, reason)
EXTENDED = {
    "clip-one-bound": (lambda a, lo: np.clip(a, lo, None),
                       "one bound given positionally is the lower one, as jax.numpy.clip"),
    "einsum-ellipsis-summed": (lambda s, a: np.sum(a),
                               "axes under an ellipsis missing from the output are summed, as "
                               "in jax.numpy.einsum and torch.einsum"),
}


class Case:
    def __init__(self, name, args, kw, label=None):
        self.name, self.args, self.kw, self.label = name, args, kw, label

    def __repr__(self):
        return f"{self.name}{self.args!r:.70}{self.kw!r:.40}"


def _build_cases() -> list:
    cases = []

    def chk(name, *args, _label=None, **kw):
        cases.append(Case(name, args, kw, _label))

    # ---- test_numeric: clip ---------------------------------------------------------------------
    x = A([-3.0, -0.0, 0.0, 0.5, 2.0, np.nan, np.inf, -np.inf])
    chk("clip", x, -1.0, 1.0)
    chk("clip", x, 0.0, None)
    chk("clip", x, None, -0.0)
    chk("clip", x, A([-1.0]), A([[1.0], [0.25]]))
    chk("clip", x, 1.0, -1.0)
    chk("clip", x, np.nan, 1.0)
    chk("clip", x.astype(F32), -1, 1)
    chk("clip", x.astype(F16), -1.0, 1.0)
    chk("clip", A([1, 5, 10], dtype=np.int8), 2, 7)
    chk("clip", A([1, 5, 10], dtype=np.int8), 2.5, 7)
    chk("clip", A([1, 5, 10], dtype=np.uint8), -1, 300)
    chk("clip", A([1, 5, 10], dtype=np.int32), A([2, 3, 4]), 6)
    chk("clip", A([True, False]), 0, 1)
    chk("clip", np.arange(6.0).reshape(2, 3), 1.0, 4.0)
    chk("clip", np.zeros((0, 3)), 0.0, 1.0)
    chk("clip", A(5.0), 0.0, 1.0)
    chk("clip", A([1.0, 2]), None, None)
    chk("clip", A([1.0, 5, 7]), min=2.0, max=6.0)
    chk("clip", A([1.0, 5, 7]), 2.0, _label="clip-one-bound")
    # ---- convolve / correlate -------------------------------------------------------------------
    a, v = A([1.0, 2, 3, 5, 7]), A([0.5, -1, 2])
    for mode in ("full", "same", "valid"):
        chk("convolve", a, v, mode=mode)
        chk("convolve", v, a, mode=mode)
        chk("correlate", a, v, mode=mode)
        chk("correlate", v, a, mode=mode)
    chk("convolve", A([1, 2, 3]), A([0, 1, 0]))
    chk("convolve", A([1, 2, 3], dtype=np.int8), A([100, 100], dtype=np.int8))
    chk("convolve", A([1.0 + 1j, 2]), A([1j, 3]))
    chk("correlate", A([1.0 + 1j, 2, -1j]), A([1j, 3]))
    chk("correlate", A([1.0 + 1j, 2, -1j]), A([1j, 3]), mode="full")
    chk("correlate", A([1.0, 2]), A([1j, 3]), mode="full")
    chk("convolve", A([1.0]), A([2.0]))
    chk("convolve", A([]), A([1.0]))
    chk("correlate", A([1.0, 2]), A([]))
    chk("convolve", A([[1.0]]), A([1.0]))
    chk("convolve", a, v, mode="nope")
    chk("convolve", a.astype(F32), v)
    chk("correlate", a.astype(F32), v.astype(F32), mode="same")
    chk("convolve", A([True, False, True]), A([True, True]))
    # ---- cross ----------------------------------------------------------------------------------
    u, w = A([1.0, 2, 3]), A([4.0, 5, 6])
    chk("cross", u, w)
    chk("cross", A([1.0, 2]), A([3.0, 4, 5]))
    chk("cross", A([1.0, 2, 3]), A([3.0, 4]))
    chk("cross", np.arange(12.0).reshape(4, 3), u)
    chk("cross", np.arange(12.0).reshape(3, 4), np.arange(12.0).reshape(3, 4)[::-1], axis=0)
    chk("cross", np.arange(12.0).reshape(3, 4), np.arange(6.0).reshape(2, 3),
        axisa=0, axisb=1, axisc=0)
    chk("cross", np.arange(12.0).reshape(3, 4), np.arange(6.0).reshape(2, 3),
        axisa=0, axisb=-1, axisc=-1)
    chk("cross", np.arange(24.0).reshape(2, 3, 4), A([1.0, 0, 0]), axisa=1)
    chk("cross", A([1, 2, 3]), A([4, 5, 6]))
    chk("cross", A([1, 2, 3], dtype=np.int8), A([4.0, 5, 6], dtype=F32))
    chk("cross", A([True, False, True]), A([True, True, False]))
    chk("cross", A([1.0, 2, 3]), A([1.0 + 1j, 2, 0]))
    chk("cross", A([1.0]), A([3.0, 4, 5]))
    chk("cross", np.ones((2, 3)), np.ones((3, 3)))
    chk("cross", u, w, axis=1)
    chk("cross", u, w, axisc=1)
    # ---- outer ----------------------------------------------------------------------------------
    chk("outer", A([1.0, 2]), A([3.0, 4, 5]))
    chk("outer", np.arange(4.0).reshape(2, 2), A([1.0, -1]))
    chk("outer", A(2.0), A([1.0, 3]))
    chk("outer", A([1, 2], dtype=np.int8), A([1.5, 2], dtype=F32))
    chk("outer", A([1j, 2]), A([1.0, 1j]))
    chk("outer", A([]), A([1.0]))
    # ---- roll / rollaxis / moveaxis -------------------------------------------------------------
    r = np.arange(10.0).reshape(2, 5)
    chk("roll", np.arange(10.0), 2)
    chk("roll", np.arange(10.0), -12)
    chk("roll", r, 1)
    chk("roll", r, 1, axis=0)
    chk("roll", r, -1, axis=1)
    chk("roll", r, (1, 2), axis=(0, 1))
    chk("roll", r, (1, -1), axis=(1, 1))
    chk("roll", r, 2, axis=(0, 1))
    chk("roll", r, (1, 2), axis=0)
    chk("roll", r, (1, 2, 3), axis=(0, 1))
    chk("roll", r, 1, axis=2)
    chk("roll", np.zeros((0, 3)), 1)
    chk("roll", A(3.0), 1)
    chk("roll", r, np.int64(7), axis=1)
    chk("roll", r, [np.int64(1), np.int8(2)], axis=[np.int32(0), np.int64(1)])
    a4 = np.arange(24.0).reshape(1, 2, 3, 4)
    for ax, st in [(0, 0), (0, 4), (3, 0), (3, 1), (-1, 0), (1, -1), (2, 2), (0, 5), (4, 0)]:
        chk("rollaxis", a4, ax, st)
    for s, d in [(0, 1), (0, -1), (-1, 0), ((0, 1), (2, 3)), ([0, 1], [-1, -2]), (0, 4),
                 ((0, 0), (1, 2)), ((0, 1), (1,)), ((), ())]:
        chk("moveaxis", a4, s, d)
    # ---- isclose / allclose / array_equal / array_equiv -----------------------------------------
    p = A([1.0, np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-8, 1e10])
    q = A([1.0 + 1e-9, np.inf, np.inf, np.nan, -0.0, 1e-300, 0.0, 1.00001e10])
    chk("isclose", p, q)
    chk("isclose", p, q, equal_nan=True)
    chk("isclose", p, q, rtol=0, atol=0)
    chk("isclose", p, q, rtol=1e-3, atol=1e-7)
    chk("isclose", p, 1.0)
    chk("isclose", 1.0, 1.0 + 1e-9)
    chk("isclose", A([1, 2, 3]), A([1, 2, 4]))
    chk("isclose", A([np.iinfo(np.int64).min]), A([np.iinfo(np.int64).min]), rtol=0)
    chk("isclose", A([1.0 + 1j, np.nan + 1j, np.inf]), A([1.0 + 1j, np.nan + 1j, np.inf + 1j]))
    chk("isclose", A([1.0 + 1j, np.nan + 1j]), A([1.0 + 1j, np.nan + 1j]), equal_nan=True)
    chk("isclose", A([1.0], dtype=F32), A([1.0 + 1e-7]))
    chk("isclose", A([1.0], dtype=F16), A([1.001], dtype=F16))
    chk("isclose", A([[1.0], [2]]), A([1.0, 2, 3]))
    chk("isclose", A([1.0, 2]), A([1.0, 2, 3]))
    chk("isclose", A([True, False]), A([1, 0]))
    chk("isclose", A([]), A([]))
    chk("isclose", A([1.0]), A([1.1]), rtol=A([0.2]))
    chk("allclose", p, q)
    chk("allclose", p, q, equal_nan=True)
    chk("allclose", A([1.0, np.inf]), A([1.0, np.inf]))
    chk("allclose", A([np.inf, 1]), A([1.0, np.inf]))
    chk("allclose", A([1.0]), A([1.0, 1.0]))
    chk("allclose", A([]), A([1.0]))
    chk("allclose", A([1.0, 2]), A([1.0, 2, 3]))
    chk("allclose", np.iinfo(np.int_).min, np.iinfo(np.int_).min)
    for e1, e2 in [
        (A([1, 2]), A([1, 2])),
        (A([1, 2]), A([1, 2, 3])),
        (A([1, 2]), A([1, 4])),
        (A([1.0, np.nan]), A([1.0, np.nan])),
        (A([[1, 2]]), A([1, 2])),
        (A([1, 2]), A([1.0, 2.0])),
        (A(1), A([1])),
        (A([]), A([])),
        (A([1 + 1j, np.nan]), A([1 + 1j, np.nan])),
    ]:
        chk("array_equal", e1, e2)
        chk("array_equiv", e1, e2)
    chk("array_equal", A([1.0, np.nan]), A([1.0, np.nan]), equal_nan=True)
    chk("array_equal", A([1 + 1j, complex(np.nan, 1)]), A([1 + 1j, complex(1, np.nan)]),
        equal_nan=True)
    chk("array_equal", A([1, 2]), A([1, 2]), equal_nan=True)
    chk("array_equiv", A([1, 1]), A([[1, 1], [1, 1]]))
    chk("array_equiv", A([1, 2]), A([[1, 2, 1, 2], [1, 2, 1, 2]]))
    chk("array_equiv", A([1, 1]), A(1))
    # ---- identity / indices / fromfunction ------------------------------------------------------
    chk("identity", 3)
    chk("identity", 0)
    chk("identity", 2, dtype=np.int32)
    chk("identity", 2, dtype=bool)
    chk("identity", 2, dtype=complex)
    chk("identity", -1)
    chk("indices", (2, 3))
    chk("indices", (2, 3), dtype=np.int8)
    chk("indices", (2, 3), dtype=F32)
    chk("indices", (2, 3), sparse=True)
    chk("indices", ())
    chk("indices", (0, 3))
    chk("indices", (3,), sparse=True)
    chk("indices", (2, 0, 1), sparse=True)
    chk("fromfunction", lambda i, j: i + j, (2, 3))
    chk("fromfunction", lambda i, j: i * 10 - j, (2, 3), dtype=int)
    chk("fromfunction", lambda i: i * 0.5, (4,))
    chk("fromfunction", lambda i, j: i == j, (3, 3), dtype=int)
    # ---- count_nonzero / argwhere / flatnonzero -------------------------------------------------
    c = A([[0.0, 1, -0.0, np.nan], [2, 0, 0, 3]])
    chk("count_nonzero", c)
    chk("count_nonzero", c, axis=0)
    chk("count_nonzero", c, axis=(0, 1))
    chk("count_nonzero", c, axis=-1, keepdims=True)
    chk("count_nonzero", c, axis=())
    chk("count_nonzero", c, axis=2)
    chk("count_nonzero", A([True, False, True]))
    chk("count_nonzero", A([0j, 1j, 1]))
    chk("count_nonzero", A(0.0))
    chk("count_nonzero", A(3.0), axis=())
    chk("count_nonzero", np.zeros((0, 3)), axis=0)
    chk("count_nonzero", np.arange(24).reshape(2, 3, 4) % 3, axis=(0, 2))
    chk("argwhere", c)
    chk("argwhere", A(1.0))
    chk("argwhere", A(0.0))
    chk("argwhere", np.zeros((0, 3)))
    chk("argwhere", np.arange(24).reshape(2, 3, 4) % 5 == 0)
    chk("flatnonzero", c)
    chk("flatnonzero", A(2.0))
    chk("flatnonzero", np.arange(-2, 4))
    # ---- TestClip's corner cases ----------------------------------------------------------------
    chk("clip", A([1.0, 2, 3]), A([np.nan, 0, 0]), 2.0)
    chk("clip", A([1.0, np.nan, 3]), -np.inf, np.inf)
    chk("clip", A([-0.0, 0.0]), 0.0, 0.0)
    chk("clip", A([-0.0, 0.0]), -0.0, -0.0)
    chk("clip", A([2**62, -(2**62)], np.int64), -(2**63), 2**63 - 1)
    chk("clip", A([5, 200], np.uint8), 10, 100)
    chk("clip", A([1, 2, 3], np.int32), np.int64(2), np.int64(2))
    chk("clip", A([1.5, 2.5], F32), np.float64(2), 3)
    chk("clip", A([1 + 1j, 3 - 1j]), 1.5 + 0j, 2 + 0j, _label="clip-complex-tensor")
    # ---- tensordot / inner / kron / resize / the *_like functions -------------------------------
    chk("tensordot", np.arange(24.0).reshape(2, 3, 4), np.arange(12.0).reshape(4, 3),
        axes=([1, 2], [1, 0]))
    chk("tensordot", np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2), axes=1)
    chk("tensordot", np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(2, 3), axes=2)
    chk("tensordot", np.arange(6.0).reshape(2, 3), np.arange(4.0), axes=0)
    chk("tensordot", np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2), axes=(1, 0))
    chk("tensordot", np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2), axes=([0], [1]))
    chk("tensordot", np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2), axes=3,
        _label="tensordot-too-many-axes")
    chk("tensordot", A(2.0), A(3.0), axes=0)
    chk("inner", np.arange(6.0).reshape(2, 3), np.arange(3.0))
    chk("inner", A(2.0), np.arange(3.0))
    chk("inner", A([1j, 2]), A([1j, 1]))
    chk("inner", np.arange(6.0).reshape(2, 3), np.arange(4.0))
    chk("kron", A([[1.0, 2], [3, 4]]), A([[0.0, 1], [1, 0]]))
    chk("kron", A([1.0, 2]), np.ones((2, 2)))
    chk("kron", A(3.0), A([1.0, 2]))
    chk("resize", A([1.0, 2, 3]), (2, 4))
    chk("resize", np.arange(6.0).reshape(2, 3), 4)
    chk("resize", A([1.0, 2]), 0)
    chk("resize", A([]), (2, 2))
    chk("resize", A([1.0, 2]), (-1, 2))
    for f in ("zeros_like", "ones_like", "empty_like"):
        chk(f, np.ones((2, 3), F32), _label=f if f == "empty_like" else None)
        chk(f, A([1, 2]), dtype=F64, _label=f if f == "empty_like" else None)
        chk(f, A([1.0, 2]), shape=(3, 1), _label=f if f == "empty_like" else None)
        chk(f, A(2.0), shape=4, _label=f if f == "empty_like" else None)
    chk("full_like", np.ones((2, 3), F32), 2.5)
    chk("full_like", A([1, 2]), 2.5)
    chk("full_like", A([1, 2]), 2.5, dtype=F64)
    chk("full_like", A([1.0, 2]), np.nan, shape=(2, 2))
    chk("full_like", A([1, 2], np.uint8), 300)
    # ---- TestStdVar, TestNonarrayArgs, TestKeepdims ---------------------------------------------
    sv_ = A([[1.0, 2, 4], [3, 5, 9]])
    for f in ("std", "var"):
        chk(f, sv_, ddof=3)
        chk(f, sv_, axis=1, ddof=3)
        chk(f, sv_, axis=0, ddof=2)
        chk(f, sv_, axis=(0, 1), keepdims=True)
        chk(f, A([1 + 1j, 2 - 1j, 3j]))
        chk(f, A([1, 2, 4], np.int8))
        chk(f, A([1.0, 2], F16))
        chk(f, [1.0, 2.0, 4.0])
        chk(f, A([]))
    for f in ("sum", "prod", "mean", "amax", "amin", "cumsum", "around", "ptp", "nonzero",
              "squeeze", "transpose", "size", "ndim", "shape", "take", "repeat", "round",
              "argmax", "argmin", "sort", "argsort", "searchsorted", "trace", "diagonal",
              "compress", "choose", "swapaxes", "alltrue" if hasattr(np, "alltrue") else "all"):
        args = {"take": ([1, 0],), "repeat": (2,), "searchsorted": (2.5,), "compress": ([1, 0],),
                "choose": None, "swapaxes": (0, 0)}.get(f, ())
        if args is None:
            chk(f, [0, 1], [[1.0, 2], [3, 4]])
            continue
        chk(f, [[1.0, 5, 3], [2, 4, 0.5]] if f not in ("searchsorted",) else [1.0, 2, 3], *args)
    # ---- test_shape_base: atleast_* -------------------------------------------------------------
    for f in ("atleast_1d", "atleast_2d", "atleast_3d"):
        chk(f, A(1.0))
        chk(f, A([1.0, 2]))
        chk(f, A([[1.0, 2]]))
        chk(f, np.ones((2, 3, 4)))
        chk(f, np.ones((1, 2, 3, 4)))
        chk(f, A(1.0), A([1.0, 2]), np.ones((2, 2)))
        chk(f, 3.0)
        chk(f, np.zeros((0,)))
        chk(f)
    # ---- concatenate / stack / hstack / vstack / dstack / column_stack --------------------------
    a2, b2 = np.arange(6.0).reshape(2, 3), -np.arange(6.0).reshape(2, 3)
    for ax in (0, 1, -1, -2, 2, -3, None):
        chk("concatenate", (a2, b2), axis=ax)
    chk("concatenate", (a2, b2[:, :2]), axis=1)
    chk("concatenate", (a2, b2[:, :2]), axis=0)
    chk("concatenate", (a2, np.arange(3.0)))
    chk("concatenate", (A(1.0), A(2.0)))
    chk("concatenate", (A(1.0), A(2.0)), axis=None)
    chk("concatenate", ())
    chk("concatenate", (A([1, 2]), A([1.5]), A([True])))
    chk("concatenate", (A([1, 2], dtype=np.int8), A([3], dtype=np.uint8)))
    chk("concatenate", (A([1, 2], dtype=np.int8), A([3.0], dtype=F16)))
    chk("concatenate", (A([1.0, 2]), A([3j])))
    chk("concatenate", (A([1.0, 2]), A([3.0])), dtype=F32)
    chk("concatenate", (A([1.0, 2]), A([3.0])), dtype=np.int64)
    chk("concatenate", (A([1.0, 2]), A([3.0])), dtype=np.int64, casting="unsafe")
    chk("concatenate", (A([1, 2]), A([3])), dtype=F32, casting="same_kind")
    chk("concatenate", (np.zeros((0, 3)), a2))
    chk("concatenate", [a2, b2], axis=1)
    chk("concatenate", (a2, b2), axis=1.0)
    chk("concat", (a2, b2), axis=1)
    for f in ("stack", "hstack", "vstack", "dstack", "column_stack"):
        chk(f, (a2, b2))
        chk(f, [A([1.0, 2, 3]), A([4.0, 5, 6])])
        chk(f, (A(1.0), A(2.0)))
        chk(f, (A([1, 2]), A([1.5, 2])))
        chk(f, ())
        chk(f, (a2, A([1.0, 2])))
        chk(f, (A([1.0, 2]),))
    for ax in (0, 1, 2, -1, -3, 3, -4):
        chk("stack", (a2, b2), axis=ax)
    chk("stack", (a2, b2), axis=1, dtype=F32)
    chk("stack", (A([1, 2]), A([3, 4])), dtype=F32, casting="safe")
    chk("stack", (A([1.5, 2]), A([3, 4])), dtype=np.int32, casting="unsafe")
    chk("stack", (A([1.5, 2]), A([3, 4])), dtype=np.int32)
    chk("stack", (A([1.0, 2]), A([3.0, 4, 5])))
    chk("stack", [np.zeros((0, 2)), np.zeros((0, 2))], axis=1)
    chk("hstack", (A([1.0, 2]), A([3.0])), dtype=F32)
    chk("vstack", (A([1, 2]), A([3, 4])), dtype=F64, casting="safe")
    chk("hstack", (np.zeros((2, 0)), a2))
    chk("vstack", (A(1.0), A([2.0])))
    chk("dstack", (np.ones((2, 3, 4)), np.ones((2, 3))))
    chk("column_stack", (np.arange(3.0), np.arange(6.0).reshape(3, 2)))
    # ---- split, array_split, hsplit, vsplit, dsplit, unstack, expand_dims, squeeze ------------
    s7 = np.arange(7.0)
    for f, args, kw in [
        ("split", (np.arange(6.0), 3), {}), ("split", (s7, 3), {}), ("array_split", (s7, 3), {}),
        ("array_split", (s7, 0), {}), ("array_split", (s7, -1), {}),
        ("split", (s7, [2, 5, 10]), {}),
        ("split", (s7, [-2, 3]), {}), ("split", (s7, [5, 2]), {}), ("split", (s7, []), {}),
        ("array_split", (s7, 9), {}), ("hsplit", (np.arange(6.0), 2), {}),
        ("vsplit", (np.arange(6.0), 2), {}), ("dsplit", (a2, 2), {}),
        ("array_split", (a2, 2), {"axis": 1}), ("split", (a2, [1]), {"axis": -1}),
        ("unstack", (a2,), {"axis": 1}), ("unstack", (A(1.0),), {}),
        ("unstack", (a2,), {"axis": -3}),
        ("expand_dims", (a2, (0, 3)), {}), ("expand_dims", (a2, (0, 0)), {}),
        ("expand_dims", (a2, 3), {}), ("expand_dims", (a2, -4), {}),
        ("squeeze", (np.ones((1, 3, 1)),), {"axis": (0, 2)}),
        ("squeeze", (np.ones((1, 3, 1)),), {"axis": 1}), ("squeeze", (np.ones((1, 3, 1)),), {}),
        ("tile", (a2, (2, 1, 2)), {}), ("tile", (a2, 0), {}),
        ("repeat", (a2, [1, 0, 2]), {"axis": 1}),
        ("repeat", (a2, -1), {}), ("broadcast_to", (np.arange(3.0), (2, 4)), {}),
    ]:
        chk(f, *args, **kw)
    # ---- block ----------------------------------------------------------------------------------
    one, two = np.ones((2, 2)), 2 * np.ones((2, 2))
    chk("block", [one, two])
    chk("block", [[one], [two]])
    chk("block", [[one, two], [two, one]])
    chk("block", [[np.eye(2), np.zeros((2, 3))], [np.ones((1, 2)), A([[7.0, 8, 9]])]])
    chk("block", [A([1.0, 2]), A([3.0])])
    chk("block", [[A([1.0, 2])], [A([3.0, 4])]])
    chk("block", [[A(1.0), A(2.0)], [A(3.0), A(4.0)]])
    chk("block", A([1.0, 2]))
    chk("block", 1.0)
    chk("block", [1, 2, 3])
    chk("block", [[1, 2], [3, 4]])
    chk("block", [[[np.ones((1, 2, 2))], [np.zeros((1, 2, 2))]],
                  [[np.ones((1, 2, 2))], [np.ones((1, 2, 2))]]])
    chk("block", [[one, np.ones((2, 3))], [np.ones((3, 5))]])
    chk("block", [[A([1, 2], dtype=np.int8)], [A([1.5, 2.5], dtype=F32)]])
    chk("block", [[one, two], two])
    chk("block", [])
    chk("block", [[]])
    chk("block", [[one], []])
    chk("block", (one, two))
    chk("block", [[one, np.ones((3, 2))]])
    chk("block", [[np.ones((2, 2, 2))], [np.ones(2)]])
    # ---- test_einsum ----------------------------------------------------------------------------
    m = np.arange(12.0).reshape(3, 4)
    t3 = np.arange(24.0).reshape(2, 3, 4)
    sq = np.arange(9.0).reshape(3, 3)
    e_cases = [
        ("i", np.arange(4.0)),
        ("i->", np.arange(4.0)),
        ("ii", sq),
        ("ii->i", sq),
        ("ij->ji", m),
        ("ji", m),
        ("ij->", m),
        ("ij->j", m),
        ("...", t3),
        ("...->", t3, "einsum-ellipsis-summed"),
        ("i...->...", t3),
        ("...i->...", t3),
        ("ij...->j...", t3),
        ("...ij->...ji", t3),
        ("iii->i", np.arange(27.0).reshape(3, 3, 3)),
        ("iij->ij", np.arange(18.0).reshape(3, 3, 2)),
        ("iji->j", np.arange(18.0).reshape(3, 2, 3)),
        ("ij,jk->ik", m, m.T),
        ("ij,jk", m, m.T),
        ("ij,kj->ik", m, m),
        ("ij,ij->", m, m),
        ("ij,ij->ij", m, m),
        ("i,i", np.arange(4.0), np.arange(4.0) + 1),
        ("i,j", np.arange(2.0), np.arange(3.0)),
        ("i,j->ji", np.arange(2.0), np.arange(3.0)),
        ("i,i->i", np.arange(4.0), np.arange(4.0)),
        (",i->i", A(3.0), np.arange(4.0)),
        (",", A(2.0), A(3.0)),
        ("i,->i", np.arange(4.0), A(2.0)),
        ("bij,bjk->bik", t3, np.arange(24.0).reshape(2, 4, 3)),
        ("...ij,...jk->...ik", t3, np.arange(24.0).reshape(2, 4, 3)),
        ("...ij,jk->...ik", t3, np.arange(8.0).reshape(4, 2)),
        ("ij...,jk...->ik...", np.arange(12.0).reshape(3, 2, 2), np.arange(8.0).reshape(2, 2, 2)),
        ("...,...", np.arange(3.0), np.arange(6.0).reshape(2, 3)),
        ("...i,...i->...", np.ones((2, 1, 3)), np.ones((4, 3))),
        ("ii,i->i", sq, np.arange(3.0)),
        ("ij,jk,kl->il", m, m.T, sq),
        ("ab,bc,cd,de->ae", np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 2)), np.ones((2, 5))),
        ("ijk,ikj->i", t3, np.swapaxes(t3, 1, 2)),
        ("i,i,i->i", np.arange(3.0), np.arange(3.0), np.arange(3.0)),
        ("ij,ij,ij->", m, m, m),
        ("ij->ij", np.zeros((0, 3))),
        ("ij,jk->ik", np.zeros((2, 0)), np.zeros((0, 3))),
        ("i,i", A([1, 2], dtype=np.int8), A([100, 100], dtype=np.int8)),
        ("i,i", A([1, 2], dtype=np.int8), A([1.5, 2], dtype=F32)),
        ("ij,jk", m.astype(F32), m.T.astype(F32)),
        ("ij,jk", m.astype(F16), m.T.astype(F16)),
        ("i,i", A([1 + 1j, 2]), A([1j, 3])),
        ("i,i", A([True, True]), A([True, False])),
        ("ij,jk->ik", m, m),
        ("ij->k", m),
        ("ij,jk->ikk", m, m.T),
        ("ij", np.arange(4.0)),
        ("i->i->", np.arange(4.0)),
        ("i,j", np.arange(4.0)),
        ("iI->", np.ones((2, 2))),
        ("ab..,c", np.ones((2, 2)), np.ones(2)),
    ]
    for s, *ops in e_cases:
        label = ops.pop() if isinstance(ops[-1], str) else None
        chk("einsum", s, *ops, _label=label)
    chk("einsum", "ij,jk,kl->il", m, m.T, sq, optimize=True)
    chk("einsum", "ij,jk,kl->il", m, m.T, sq, optimize="greedy")
    chk("einsum", "ij,jk,kl->il", m, m.T, sq, optimize="optimal")
    chk("einsum", "ij,jk,kl->il", m, m.T, sq, optimize=False)
    chk("einsum", "ij,jk->ik", m.astype(F32), m.T, dtype=F64)
    chk("einsum", "ij,jk->ik", m, m.T, dtype=F32, casting="unsafe")
    chk("einsum", "ij,jk->ik", m, m.T, dtype=F32)
    chk("einsum", "i,i", A([1, 2]), A([3, 4]), dtype=F64)
    chk("einsum", m, [0, 1], [1, 0])
    chk("einsum", m, [0, 1], m.T, [1, 2], [0, 2])
    chk("einsum", m, [0, 1], m.T, [1, 2])
    chk("einsum", t3, [Ellipsis, 1], [1, Ellipsis])
    chk("einsum", sq, [0, 0])
    chk("einsum", "ij->i", m, order="K")
    chk("einsum", "ij->i", m, order="C")
    # ---- test_umath special functions: frexp / ldexp / modf / divmod / nextafter / spacing ------
    sp = A([0.0, -0.0, 1.0, -1.5, 0.1, 3e-310, -5e-324, 1.7e308, np.inf, -np.inf, np.nan])
    for dt in (F16, F32, F64):
        chk("frexp", sp.astype(dt))
        chk("modf", sp.astype(dt))
        chk("spacing", sp.astype(dt))
        chk("nextafter", sp.astype(dt), A(np.inf, dt))
        chk("nextafter", sp.astype(dt), A(-np.inf, dt))
        chk("nextafter", sp.astype(dt), A(0.0, dt))
        chk("nextafter", sp.astype(dt), A(-0.0, dt))
        chk("ldexp", sp.astype(dt), A([0, 1, -1, 2, 1000, -1000, 1, -2, 3, 4, 5]))
        chk("ldexp", sp.astype(dt), A([0, 1, -1, 2, 1000, -1000, 1, -2, 3, 4, 5], np.int32))
        chk("ldexp", sp.astype(dt), np.int16(3))
    chk("frexp", A([1, 2, 3]))
    chk("frexp", A([1.0 + 1j]))
    chk("modf", A([1, -2]))
    chk("ldexp", A([1.0, 2]), A([1.5, 2]))
    chk("ldexp", A([1, 2]), A([1, 2]))
    chk("ldexp", A([1.0]), A([2**40], dtype=np.int64))
    chk("ldexp", A([1.0]), A([-(2**40)], dtype=np.int64))
    chk("ldexp", A([1.0, 1], dtype=F32), A([127, -128], dtype=np.int8))
    fd = A([7.0, -7, 7, -7, 0, -0.0, 0, -0.0, 1, 5.5, np.inf, -np.inf, np.nan, 1e308, 3])
    fdd = A([2.0, 2, -2, -2, 3, 3, -3, -3, 0, 0.1, 2, 3, 2, 1e-308, np.inf])
    for f in ("floor_divide", "remainder", "fmod", "divmod", "mod"):
        for dt in (F16, F32, F64):
            chk(f, fd.astype(dt), fdd.astype(dt))
        chk(f, A([7, -7, 7, -7, 0, 5, -128], dtype=np.int8), A([2, 2, -2, -2, 3, 0, -1], np.int8))
        chk(f, A([7, -7, 7, -7, 0, 5], dtype=np.int64), A([2, 2, -2, -2, 3, 0], np.int64))
        chk(f, A([7, 250, 0, 5], dtype=np.uint8), A([2, 7, 3, 0], np.uint8))
        chk(f, A([7, -7]), 2.5)
        chk(f, 7.5, A([2, -2]))
        chk(f, A([True, False]), A([True, True]))
        chk(f, A([1j]), A([1j]))
    # power of integers
    bi = A([-3, -2, -1, 0, 1, 2, 3])
    chk("power", bi, 2)
    chk("power", bi, 0)
    chk("power", bi, A([0, 1, 2, 3, 4, 5, 6]))
    chk("power", bi, -1)
    chk("power", bi, A([0, 1, -1, 2, 3, 4, 5]))
    chk("power", A([2, 3], dtype=np.int8), A([7, 5], dtype=np.int8))
    chk("power", A([2, 3], dtype=np.uint8), A([8, 6], dtype=np.uint8))
    chk("power", A([2], dtype=np.int64), A([63], dtype=np.int64))
    chk("power", A([-1, 1]), A([2**62 + 1, 2**62]))
    chk("power", A([2, 3]), 0.5)
    chk("power", A([2.0, -2.0, 0, -0.0, np.inf, -np.inf, np.nan, 1, -1]), -np.inf)
    chk("power", A([2.0, -2.0, 0, -0.0, np.inf, -np.inf, np.nan, 1, -1]), np.inf)
    chk("power", A([2.0, -2.0, 0, -0.0, np.inf, -np.inf, np.nan, 1, -1]), np.nan)
    chk("power", A([2.0, -2.0, 0, -0.0, np.inf, -np.inf, np.nan, 1, -1]), -3.0)
    chk("power", A([2.0, -2.0, 0, -0.0, np.inf, -np.inf, np.nan, 1, -1]), 0.5)
    chk("power", A([2.0, -2.0, 0, -0.0, np.inf, -np.inf, np.nan, 1, -1]), -0.0)
    chk("power", A([0.0, 1, 1j, -1, 2 + 3j, np.inf]), A([0j, 2, 2, 0.5, 1 + 1j, 1]))
    chk("power", A([0.0, 1, 1j, -1, 2 + 3j]), 2)
    chk("power", A([1j, -1, 2 + 3j]), -2)
    chk("float_power", bi, 2)
    chk("float_power", bi, -2)
    chk("float_power", A([1, 2], dtype=F32), 2)
    chk("float_power", A([1j, 2], dtype=np.complex64), 2)
    # hypot / arctan2 / logaddexp / logaddexp2 / heaviside / copysign special values
    sv = A([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e308, 1e-320])
    X, Y = np.meshgrid(sv, sv)
    for f in ("hypot", "arctan2", "logaddexp", "logaddexp2", "heaviside", "copysign",
              "fmax", "fmin", "maximum", "minimum"):
        for dt in (F16, F32, F64):
            chk(f, X.ravel().astype(dt), Y.ravel().astype(dt))
    chk("hypot", A([3, 5], dtype=np.int8), A([4, 12], dtype=np.int8))
    # TestRationalFunctions, TestBitwiseUFuncs
    gi = A([-4, 6, 0, 0, -128, 127, 15, -15], np.int8)
    gj = A([6, -4, 0, 5, -128, -1, 0, 10], np.int8)
    for f in ("gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
              "right_shift"):
        chk(f, gi, gj)
        chk(f, gi.astype(np.int64), gj.astype(np.uint8))
        chk(f, gi.astype(np.int64), 12)
    chk("gcd", A([2**62, -(2**63)]), A([2**61, 6]))
    chk("lcm", A([2**40, 3]), A([2**41, 2**62]))
    chk("gcd", A([1.0]), A([2]))
    chk("left_shift", A([1, 1], np.int8), A([7, 8], np.int8))
    chk("right_shift", A([-128, -1], np.int8), A([7, 9], np.int8))
    chk("invert", gi)
    chk("invert", A([True, False]))
    chk("invert", A([1.0]))
    # TestMaximum/TestMinimum/TestFmax/TestFmin: NaN propagation, complex NaN
    cn = A([complex(np.nan, 0), complex(0, np.nan), 1 + 1j, complex(np.nan, np.nan), 2 - 1j])
    cm = A([1 + 0j, 1 + 0j, complex(np.nan, 1), 3 + 0j, 2 + 1j])
    for f in ("maximum", "minimum", "fmax", "fmin"):
        chk(f, cn, cm, _label="minmax-complex-tensor")
        chk(f, A([np.nan, 1.0, -0.0, 0.0, np.nan]), A([1.0, np.nan, 0.0, -0.0, np.nan]))
        chk(f, A([np.nan, 1.0], F16), A([1.0, np.nan], F16))
        chk(f, A([1, 5], np.int8), A([3, 2], np.uint8))
        chk(f, A([True, False]), A([False, False]))
    chk("logaddexp", A([1000.0, -1000]), A([1000.0, -1000]))
    chk("logaddexp2", A([1000.0, -1000]), A([1000.0, -1000]))
    chk("logaddexp", A([1e4, 1e-3]).astype(F32), A([1e4 + 1, 1e-3]).astype(F32))
    # float16 / float32 accuracy near and far (NumPy's test_umath accuracy spot checks)
    far = A([-20.0, -1e-4, 1e-7, 0.3, 1.0, 5, 11, 88, 700])
    for dt in (F16, F32, F64):
        for f in ("exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan",
                  "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
                  "arctanh", "sqrt", "cbrt", "exp2", "reciprocal", "square", "rint", "floor",
                  "ceil", "trunc", "sign", "absolute", "fabs", "deg2rad", "rad2deg"):
            chk(f, np.concatenate([far, -far, sv]).astype(dt), _label=f"accuracy-{f}-{dt}")
    return cases


with np.errstate(all="ignore"):  # (float16 casts of 1e308 overflow on purpose)
    CASES = _build_cases()


def _deviation(c: Case, tensor: bool):
    """(exception, reason) where gpuad refuses a case on purpose, else None."""
    if c.label in REFUSED and (tensor or not c.label.endswith("-tensor")):
        return REFUSED[c.label]
    return None


#: results whose values are not defined (compared in shape and dtype only)
UNDEFINED_VALUES = {"empty_like"}


def _xp():
    return ad.get_backend().xp


def _conv(a, tensor: bool):
    """A NumPy argument as the backend's array, or as a Tensor requiring grad (floats)."""
    if isinstance(a, np.ndarray):
        b = _xp().asarray(a)
        if tensor:
            return ad.tensor(b, requires_grad=a.dtype.kind in "fc")
        return b
    if isinstance(a, (list, tuple)) and a and all(isinstance(x, (np.ndarray, list)) for x in a):
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


def _assert_same(want, got, where: str):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), f"{where}: {got!r}"
        for w, g in zip(want, got, strict=True):
            _assert_same(w, g, where)
        return
    if isinstance(want, (bool, np.bool_)):
        assert isinstance(got, (bool, np.bool_)) or np.ndim(got) == 0, f"{where}: {got!r}"
    w, g = np.asarray(want), np.asarray(got)
    assert g.shape == w.shape, f"{where}: shape {g.shape}, NumPy {w.shape}"
    assert g.dtype == w.dtype, f"{where}: dtype {g.dtype}, NumPy {w.dtype}"
    if w.dtype.kind in "fc":
        tiny = np.finfo(w.dtype).eps
        np.testing.assert_allclose(g, w, rtol=8 * tiny, atol=0, equal_nan=True, err_msg=where)
        for part in (np.real, np.imag) if w.dtype.kind == "c" else (np.real,):
            pw, pg = part(w), part(g)
            zero = pw == 0
            assert np.array_equal(np.signbit(pg[zero]), np.signbit(pw[zero])), (
                f"{where}: signed zeros {pg[zero]}, NumPy {pw[zero]}")
    else:
        np.testing.assert_array_equal(g, w, err_msg=where)


def _run(fn, args, kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kw), None
        except Exception as e:  # noqa: BLE001 (the exception is what is compared)
            return None, e


def _base_error(e: BaseException) -> type:
    """The builtin class NumPy's error derives from (AxisError: ValueError, IndexError)."""
    for c in type(e).__mro__:
        if c.__module__ == "builtins":
            return c
    return Exception


@pytest.mark.parametrize("tensor", [False, True], ids=["array", "tensor"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-{i}" for i, c in enumerate(CASES)])
def test_numpy_core_case(backend, case, tensor):
    dev = _deviation(case, tensor)
    fn = EXTENDED.get(case.label, (getattr(np, case.name),))[0]
    want, we = _run(fn, *copy.deepcopy((case.args, case.kw)))
    if case.label in EXTENDED:
        assert we is None and _run(getattr(np, case.name), case.args, case.kw)[1] is not None
    args = [_conv(a, tensor) for a in case.args]
    got, ge = _run(getattr(gnp, case.name), args, {k: _conv(v, tensor) for k, v in case.kw.items()})
    where = f"{case!r} on {'Tensors' if tensor else 'arrays'}"
    if dev is not None:
        assert isinstance(ge, dev[0]), f"{where}: expected {dev[0].__name__} ({dev[1]}), got {ge!r}"
        return
    if we is not None:
        assert ge is not None, f"{where}: NumPy raised {we!r}, gpuad gave {_host(got)!r}"
        assert isinstance(ge, _base_error(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
        return
    assert ge is None, f"{where}: gpuad raised {ge!r}"
    if case.label in UNDEFINED_VALUES:
        want, got = np.zeros_like(want), np.zeros_like(_host(got))
    _assert_same(want, _host(got), where)


# ---- complex special values of every one-input ufunc (test_umath's TestSpecialComplex...) -------

_CPARTS = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, np.inf, -np.inf, np.nan, 1e300]
_UNARY = sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc)
                and getattr(np, n).nin == 1 and getattr(np, n).nout == 1 and n != "isnat")

#: gpuad's values on complex input that differ from NumPy's, with the reason
COMPLEX_DIFFERENCES: dict[str, str] = {}


@pytest.mark.parametrize("dt", [np.complex64, np.complex128], ids=["c64", "c128"])
@pytest.mark.parametrize("name", _UNARY)
def test_complex_special_values(backend, name, dt):
    with np.errstate(over="ignore"):  # (1e300 is inf in complex64, on purpose)
        z = np.array([complex(a, b) for a in _CPARTS for b in _CPARTS], dt)
    want, we = _run(getattr(np, name), (z,), {})
    for tensor in (False, True):
        got, ge = _run(getattr(gnp, name), (_conv(z, tensor),), {})
        where = f"{name}({np.dtype(dt).name} special values) on {'Tensors' if tensor else 'arrays'}"
        if we is not None:
            assert isinstance(ge, _base_error(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
            continue
        assert ge is None, f"{where}: gpuad raised {ge!r}"
        if name in COMPLEX_DIFFERENCES:
            g = _host(got)
            fin = np.isfinite(z) & (z.real != 0) & (z.imag != 0)  # away from the listed points
            _assert_same(want[fin], g[fin], where)
            continue
        _assert_same(want, _host(got), where)


# ---- out= (test_numeric, test_einsum, test_shape_base) ------------------------------------------

_OUT = {
    "einsum": (lambda m, a, o, **k: m.einsum("ij,jk", a, a.T, out=o, **k), {}),
    "einsum_unsafe": (lambda m, a, o: m.einsum("ij,jk", a, a.T, out=o, casting="unsafe"), {}),
    "concatenate": (lambda m, a, o: m.concatenate([a, a], out=o), {}),
    "concatenate_none": (lambda m, a, o: m.concatenate([a, a], axis=None, out=o), {}),
    "stack": (lambda m, a, o: m.stack([a, a], axis=1, out=o), {}),
    "clip": (lambda m, a, o: m.clip(a, -1.0, 2.0, out=o), {}),
    "outer": (lambda m, a, o: m.outer(a, a, out=o), {}),
}


@pytest.mark.parametrize("odt", [F64, F32, np.int64, np.complex128], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", sorted(_OUT))
def test_out_argument(backend, name, odt):
    """The result written into out= and out= returned, or NumPy's refusal by its casting rule;
    into a Tensor out= the write is recorded (the gradient reaches the input through it)."""
    f = _OUT[name][0]
    a = np.array([[1.5, -2.25, 0.5], [3.0, 0.75, -1.0]])
    shp = np.asarray(f(np, a, None)).shape
    want, we = _run(f, (np, a, np.zeros(shp, odt)), {})
    for out in (_xp().zeros(shp, odt), ad.tensor(_xp().zeros(shp, odt))):
        got, ge = _run(f, (gnp, _xp().asarray(a), out), {})
        if we is not None:
            assert isinstance(ge, _base_error(we)), f"{name} into {odt}: NumPy {we!r}, gpuad {ge!r}"
            np.testing.assert_array_equal(to_numpy(out), 0)  # nothing written before the check
            continue
        assert ge is None and got is out, f"{name} into {odt}: gpuad raised {ge!r}"
        _assert_same(want, to_numpy(out), f"{name} into {odt}")
    if np.dtype(odt) != F64:
        return
    t = ad.tensor(_xp().asarray(a), requires_grad=True)
    tout = ad.tensor(_xp().zeros(shp))
    f(gnp, t, tout)
    u = np.linspace(1.0, 2.0, int(np.prod(shp))).reshape(shp)
    gnp.sum(tout * _xp().asarray(u)).backward()
    ref = ad.tensor(_xp().asarray(a), requires_grad=True)
    gnp.sum(f(gnp, ref, None) * _xp().asarray(u)).backward()
    np.testing.assert_allclose(to_numpy(t.grad), to_numpy(ref.grad), rtol=1e-12)
    with pytest.raises(TypeError, match=name.split("_")[0]):  # a recorded result, a plain out=
        f(gnp, ad.tensor(_xp().asarray(a), requires_grad=True), _xp().zeros(shp))


# ---- gradients at the tests' points, against float64 central differences ------------------------

_r = np.random.RandomState(0)


def _rn(*s):
    return _r.standard_normal(s)


_X = A([0.3, -1.7, 2.4, 5.1, -0.2])
_Y = A([1.1, 0.4, -2.0, 3.0, -0.7])
GRAD_CASES = {
    # test_umath
    "frexp_mantissa": (lambda a: gnp.frexp(a)[0], (_X,)),
    "modf": (lambda a: gnp.modf(a)[0] + gnp.modf(a)[1] * a, (_X,)),
    "ldexp": (lambda a: gnp.ldexp(a, A([1, -2, 3, 0, 5])), (_X,)),
    "divmod": (lambda a, b: gnp.divmod(a, b)[1] + gnp.divmod(a, b)[0] * a, (_X, _Y)),
    "remainder": (gnp.remainder, (_X, _Y)),
    "fmod": (gnp.fmod, (_X, _Y)),
    "copysign": (gnp.copysign, (_X, _Y)),
    "hypot": (gnp.hypot, (_X, _Y)),
    "arctan2": (gnp.arctan2, (_X, _Y)),
    "logaddexp": (gnp.logaddexp, (_X * 300, _Y * 300)),
    "logaddexp2": (gnp.logaddexp2, (_X, _Y)),
    "float_power": (lambda a, b: gnp.float_power(gnp.abs(a), b), (_X, _Y)),
    "power_int_exponent": (lambda a: gnp.power(a, A([2, 3, -1, 0, 4])), (_X,)),
    "power_complex": (gnp.power, (_X + 1j * _Y, _Y - 0.3j)),
    "fmax_nan": (gnp.fmax, (A([np.nan, 1.0, 2.0, np.nan]), A([1.5, np.nan, 0.5, -1.0]))),
    "fmin_nan": (gnp.fmin, (A([np.nan, 1.0, 2.0, np.nan]), A([1.5, np.nan, 0.5, -1.0]))),
    "heaviside_h": (lambda h: gnp.heaviside(A([0.0, 1.0, -1.0, -0.0]), h),
                    (A([0.3, 0.5, 0.7, 0.9]),)),
    "nextafter": (lambda a: gnp.nextafter(a, np.inf) * a, (_X,)),
    "exp2_complex": (gnp.exp2, (_X + 1j * _Y,)),
    "cbrt": (gnp.cbrt, (_X,)),
    "arctanh_complex": (gnp.arctanh, (_X / 10 + 1j * _Y,)),
    "positive_complex": (gnp.positive, (_X + 1j * _Y,)),
    # test_numeric
    "clip_bounds": (lambda a, lo, hi: gnp.clip(a, lo, hi), (_X, A([-1.0]), A([[2.0], [0.1]]))),
    "clip_crossed": (lambda a: gnp.clip(a, 1.0, -1.0), (_X,)),
    "convolve_full": (lambda a, v: gnp.convolve(a, v), (_rn(5), _rn(3))),
    "convolve_same": (lambda a, v: gnp.convolve(a, v, mode="same"), (_rn(3), _rn(5))),
    "correlate_valid": (lambda a, v: gnp.correlate(a, v), (_rn(5), _rn(3))),
    "correlate_full_complex": (lambda a, v: gnp.correlate(a, v, mode="full"),
                               (_rn(4) + 1j * _rn(4), _rn(2) - 1j * _rn(2))),
    "correlate_same_longer": (lambda a, v: gnp.correlate(a, v, mode="same"), (_rn(3), _rn(6))),
    "correlate_valid_longer_complex": (lambda a, v: gnp.correlate(a, v),
                                       (_rn(2) + 1j * _rn(2), _rn(4) - 1j * _rn(4))),
    "convolve_same_complex": (lambda a, v: gnp.convolve(a, v, mode="same"),
                              (_rn(4) + 1j * _rn(4), _rn(3))),
    "cross": (gnp.cross, (_rn(4, 3), _rn(3))),
    "cross_axes": (lambda a, b: gnp.cross(a, b, axisa=0, axisb=1, axisc=0),
                   (_rn(3, 4), _rn(4, 3))),
    "cross_2x3": (lambda a, b: gnp.cross(a, b, axisa=0), (_rn(3, 2), _rn(2, 3))),
    "outer": (lambda a, b: gnp.outer(a, b), (_rn(2, 2), _rn(3))),
    "roll_tuple": (lambda a: gnp.roll(a, (1, -1, 4), axis=(0, 1, 1)), (_rn(2, 5),)),
    "roll_flat": (lambda a: gnp.roll(a, -7), (_rn(2, 5),)),
    "rollaxis": (lambda a: gnp.rollaxis(a, 3, 1), (_rn(1, 2, 3, 4),)),
    "moveaxis": (lambda a: gnp.moveaxis(a, [0, 1], [-1, -2]), (_rn(1, 2, 3, 4),)),
    "fromfunction": (lambda s: gnp.fromfunction(lambda i, j: (i + 1) * s[0] - j * s[1], (2, 3)),
                     (A([0.5, 1.5]),)),
    "tensordot_axes": (lambda a, b: gnp.tensordot(a, b, axes=([1, 2], [1, 0])),
                       (_rn(2, 3, 4), _rn(4, 3))),
    "tensordot_outer": (lambda a, b: gnp.tensordot(a, b, axes=0), (_rn(2, 3), _rn(2))),
    "inner": (gnp.inner, (_rn(2, 3), _rn(4, 3))),
    "kron": (gnp.kron, (_rn(2, 2), _rn(2, 3))),
    "resize": (lambda a: gnp.resize(a, (3, 4)), (_rn(2, 3),)),
    "std_ddof": (lambda a: gnp.std(a, axis=1, ddof=1), (_rn(2, 3),)),
    "var_complex": (lambda a: gnp.var(a, axis=0), (_rn(3, 2) + 1j * _rn(3, 2),)),
    # test_shape_base
    "concatenate_none": (lambda a, b: gnp.concatenate((a, b), axis=None), (_rn(2, 3), _rn(3))),
    "concatenate_dtype": (lambda a, b: gnp.concatenate((a, b), axis=1, dtype=F64),
                          (_rn(2, 3), _rn(2, 1))),
    "stack_axis": (lambda a, b: gnp.stack((a, b), axis=-2), (_rn(2, 3), _rn(2, 3))),
    "hstack": (lambda a, b: gnp.hstack((a, b)), (_rn(3), _rn(2))),
    "vstack": (lambda a, b: gnp.vstack((a, b)), (_rn(3), _rn(2, 3))),
    "dstack": (lambda a, b: gnp.dstack((a, b)), (_rn(2, 3), _rn(2, 3, 2))),
    "column_stack": (lambda a, b: gnp.column_stack((a, b)), (_rn(3), _rn(3, 2))),
    "atleast_3d": (lambda a, b: gnp.atleast_3d(a)[0] * gnp.atleast_3d(b), (_rn(3), _rn(2, 3))),
    "block": (lambda a, b, c: gnp.block([[a, b], [c]]), (_rn(2, 2), _rn(2, 3), _rn(1, 5))),
    "block_3d": (lambda a, b: gnp.block([[[a], [b]], [[b], [a]]]), (_rn(1, 2, 2), _rn(1, 2, 2))),
    "block_scalars": (lambda a: gnp.block([[a[0], a[1]], [a[2], a[0] * a[1]]]), (_rn(3),)),
    # test_einsum
    "einsum_trace": (lambda a: gnp.einsum("ii", a), (_rn(3, 3),)),
    "einsum_diag3": (lambda a: gnp.einsum("iii->i", a), (_rn(3, 3, 3),)),
    "einsum_iij": (lambda a: gnp.einsum("iij->ij", a), (_rn(3, 3, 2),)),
    "einsum_ellipsis_bcast": (lambda a, b: gnp.einsum("...i,...i->...", a, b),
                              (_rn(2, 1, 3), _rn(4, 3))),
    "einsum_ellipsis_matmul": (lambda a, b: gnp.einsum("...ij,jk->...ik", a, b),
                               (_rn(2, 3, 4), _rn(4, 2))),
    "einsum_three": (lambda a, b, c: gnp.einsum("ij,jk,kl->il", a, b, c, optimize="optimal"),
                     (_rn(3, 4), _rn(4, 3), _rn(3, 3))),
    "einsum_same_operand": (lambda a: gnp.einsum("ij,jk,kl->il", a, a, a, optimize=True),
                            (_rn(3, 3),)),
    "einsum_repeated_two": (lambda a, b: gnp.einsum("iij,jkk->ik", a, b),
                            (_rn(2, 2, 3), _rn(3, 4, 4))),
    "einsum_scalar": (lambda s, a: gnp.einsum(",i->i", s, a), (A(1.3), _rn(4))),
    "einsum_sublist": (lambda a, b: gnp.einsum(a, [0, 1], b, [1, 2], [0, 2]),
                       (_rn(2, 3), _rn(3, 2))),
    "einsum_sublist_ellipsis": (lambda a: gnp.einsum(a, [Ellipsis, 0, 0], [Ellipsis, 0]),
                                (_rn(2, 3, 3),)),
    "einsum_complex": (lambda a, b: gnp.einsum("ij,jk", a, b),
                       (_rn(2, 3) + 1j * _rn(2, 3), _rn(3, 2))),
    "einsum_dtype": (lambda a: gnp.einsum("ij->j", a, dtype=F64), (_rn(3, 3),)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_numpy_core_gradient(backend, name):
    f, args = GRAD_CASES[name]
    check_grads(f, tuple(_xp().asarray(a) for a in args), order=2, modes=("rev", "fwd"))


# ---- test_einsum's sweep of subscripts, at random ------------------------------------------------

def _random_einsum(rng):
    """Subscripts over letters a-d (repeats within an operand are diagonals), maybe an
    ellipsis, axes of size 1 broadcast against the others, an explicit or implicit output;
    operands to match."""
    size = {c: int(rng.randint(1, 4)) for c in "abcd"}
    ell = [int(rng.choice([1, 2, 3])) for _ in range(rng.randint(0, 3))] if rng.rand() < 0.4 \
        else None
    terms, ops = [], []
    for _ in range(rng.randint(1, 4)):
        letters = "".join(rng.choice(list("abcd"), rng.randint(0, 4)))
        shp = [1 if rng.rand() < 0.15 else size[c] for c in letters]  # (1: broadcast)
        if ell is not None and rng.rand() < 0.7:
            k = rng.randint(0, len(ell) + 1)  # trailing ellipsis axes, some broadcast
            eshape = [1 if rng.rand() < 0.3 else n for n in ell[len(ell) - k:]]
            at = rng.randint(0, len(letters) + 1)
            letters = letters[:at] + "..." + letters[at:]
            shp = shp[:at] + eshape + shp[at:]
        terms.append(letters)
        ops.append(rng.standard_normal(shp))
    spec = ",".join(terms)
    if rng.rand() < 0.6:
        seen = sorted(set(spec) - {"."})
        out = "".join(rng.permutation([c for c in seen if rng.rand() < 0.5]))
        if "..." in spec:
            at = rng.randint(0, len(out) + 1)
            out = out[:at] + "..." + out[at:]
        spec += "->" + out
    return spec, ops


def _einsum_cases(n, seed):
    rng = np.random.RandomState(seed)
    cases = []
    while len(cases) < n:
        spec, ops = _random_einsum(rng)
        try:
            np.einsum(spec, *ops)
        except ValueError:
            continue
        cases.append((spec, ops))
    return cases


EINSUM_FUZZ = _einsum_cases(160, 3)


@pytest.mark.parametrize("chunk", range(4))
def test_random_einsum(backend, chunk):
    """Value and dtype against NumPy on arrays and Tensors (with and without optimize), and
    the first derivatives, reverse and forward, against central differences (einsum is linear
    in each operand, so the differences are exact to rounding)."""
    for spec, ops in EINSUM_FUZZ[chunk::4]:
        want = np.einsum(spec, *ops)
        where = f"einsum({spec!r}, shapes {[o.shape for o in ops]})"
        for tensor, opt in ((False, False), (True, False), (True, "greedy")):
            got = gnp.einsum(spec, *[_conv(o, tensor) for o in ops], optimize=opt)
            np.testing.assert_allclose(_host(got), want, rtol=1e-12, atol=1e-12, err_msg=where)
            assert np.asarray(_host(got)).dtype == want.dtype, where
        check_grads(lambda *a, s=spec: gnp.einsum(s, *a), tuple(_xp().asarray(o) for o in ops),
                    order=1, modes=("rev", "fwd"))
