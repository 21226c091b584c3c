"""NumPy's einsum, fft and ndarray reshape/flat/resize/conversion tests mapped onto gpuad:
numpy/_core/tests/test_einsum.py (TestEinsum, TestEinsumPath and the module-level tests),
numpy/fft/tests/test_pocketfft.py and numpy/fft/tests/test_helper.py (every class and
module-level test), and from numpy/_core/tests/test_multiarray.py the classes and methods
about flat iterators (TestFlat, test_flat_element_deletion, TestWritebackIfCopy's
test_flatiter__array__), resizing (TestResize, TestZeroSizeFlexible's and TestSizeOf's
test_resize), reshaping (TestMethods' and TestSizeOf's test_reshape) and the conversions to
Python numbers that ``int``/``float``/``bool``/``operator.index`` make (TestConversion).

The upstream files read are numpy/numpy's stored ones (test_einsum.py at ceabb8d8,
test_multiarray.py at 2398d9cb, older test_pocketfft.py/test_helper.py at 20472595/7d225bb1)
and the same files as NumPy 2.4.6 ships them, the NumPy this compares with; 2.4.6's are a
superset (test_einsum.py adds test_einsum_0d_out and test_singleton_broadcasting, TestResize
adds test_check_reference_module_scope, test_check_reference_2 and test_obj_obj_shrinking,
test_pocketfft.py has NumPy 2's out=, norm="forward" and s/axes tests) and are the ones the
``GAPS`` table counts: test_einsum 54 methods, test_pocketfft 41, test_helper 8, and 33 chosen
from test_multiarray (``UPSTREAM_COUNTS``).

Each case of ``CASES`` runs NumPy on host arrays and gpuad.numpy on the backend's arrays and on
Tensors (requiring grad where they float), and compares dtypes, shapes and values (exactly, or
within ``tol`` of the largest value for the transforms and float contractions), or the
exception's builtin class where NumPy raises. ``OUT_CASES`` write into ``out=`` arrays. The
cases marked ``grad`` are differentiated, reverse and forward mode, against float64 central
differences (complex inputs along complex directions).

``GAPS`` maps every upstream test method to its port: "here:" a test (and case) of this file,
"covered:" an earlier port, "differs:" a deliberate difference with the test of gpuad's
behaviour, or "n/a:" why there is no counterpart (object, longdouble and structured dtypes,
memory layout flags, reference counts, threads of NumPy's C code); ``test_every_gap_has_a_mapping``
checks each reference and the counts.

Where gpuad deliberately differs (docs/porting.md):

- ``einsum(..., out=a)`` with a NumPy ``a`` refuses a result being recorded (it would drop its
  gradient; a Tensor ``out=`` is recorded), and ``order=`` is checked but the result's memory
  layout is the backend's (no Fortran-ordered results);
- the transforms' ``out=`` is checked against the final result only: NumPy also refuses an
  ``out=`` that fits the result but not an intermediate transform of ``fftn``;
- a float16 input is transformed as float32 (NumPy scales it by ``1/n`` computed in float16:
  2e-4 off), so float16 cases compare within float16's precision;
- ``int(t)``/``float(t)`` take any one-element Tensor, as torch's (NumPy 2: 0-d only);
- ``t.flat`` of a Tensor reads copies (NumPy's flat reads are copies too) and has no
  32-dimension limit; writes into a leaf Tensor that requires grad raise GradError (as every
  in-place write), where NumPy checks the writeable flag;
- ``t.flat`` also runs the cases of test_indexing.py's TestFlatiterIndexing (not counted in
  the map: test_numpy_core_indexing.py ports test_indexing.py);
- ``t.resize(...)`` refuses a Tensor that requires grad or has a history (as torch's
  ``resize_``); NumPy's ``refcheck`` (references to the array) has no counterpart;
- a boolean ``n`` raises TypeError in every transform (NumPy's rfft and ihfft read True as 1;
  ``REFUSED``).

Left alone: ``fft(x, out=(None,))`` raises TypeError where NumPy's gufunc raises ValueError
(both refuse it).
"""

from __future__ import annotations

import itertools
import math
import operator
import re
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.backends import get_backend
from gpuad.engine import GradError
from gpuad.testing import check_grads

A = np.array
RNG = np.random.default_rng(20261203)


def _rand(*shape, cplx=False):
    r = RNG.random(shape)
    return r + 1j * RNG.random(shape) if cplx else r


def _dev(a):
    be = get_backend()
    return a if be.name == "numpy" or not isinstance(a, np.ndarray) else be.asarray(a)


def _tensor(a):
    a = np.asarray(a)
    return ad.tensor(_dev(a), requires_grad=a.dtype.kind in "fc")


class Case:
    def __init__(self, fn, *args, tensor=True, tol=0.0, grad=False, arrays=True):
        self.fn, self.args = fn, args
        self.tensor, self.tol, self.grad, self.arrays = tensor, tol, grad, arrays


def _flat(r):
    if isinstance(r, tuple | list):
        return [x for v in r for x in _flat(v)]
    return [r]


def _same(got, want, tol, label):
    got = [np.asarray(to_numpy(g)) for g in _flat(got)]
    want = [np.asarray(w) for w in _flat(want)]
    assert len(got) == len(want), label
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape, (label, g.dtype, g.shape, w.dtype,
                                                          w.shape)
        if w.dtype.kind in "fc" and tol:
            scale = float(np.max(np.abs(w), initial=1.0)) if w.size else 1.0
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol * scale, equal_nan=True,
                                       err_msg=label)
            continue
        np.testing.assert_array_equal(g, w, err_msg=label)


def _builtin_of(err):
    """The builtin classes NumPy's exception derives from (AxisError is a ValueError and an
    IndexError)."""
    return tuple(c for c in type(err).__mro__
                 if c.__module__ == "builtins" and issubclass(c, Exception)
                 and c is not Exception)


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
                with pytest.raises((type(err), *_builtin_of(err))):
                    _run(gnp, case, conv)
                continue
            _same(_run(gnp, case, conv), want, case.tol, label)


# ---- test_einsum ------------------------------------------------------------------------------

EPS = 1e-12  # the float contractions and transforms: within this of the largest value
CASES: dict[str, Case] = {}


def _es(spec, *ops, **kw):
    return lambda m, *a: m.einsum(spec, *a, **kw)


def _path(spec, **kw):
    return lambda m, *a: m.einsum_path(spec, *a, **kw)


# test_einsum_errors: (args) that NumPy refuses, for einsum and einsum_path, optimize on/off
_ERRORS = [
    (), ("",), (0, 0), ("", 0, 0), (",", 0, [0], [0]), (",", [0]), ("i", 0), ("ij", [0, 0]),
    ("...i", 0), ("i...j", [0, 0]), ("i...", 0), ("ij...", [0, 0]), ("i..", [0, 0]),
    (".i...", [0, 0]), ("j->..j", [0, 0]), ("j->.j...", [0, 0]), ("i%...", [0, 0]),
    ("...j$", [0, 0]), ("i->&", [0, 0]), ("i->ij", [0, 0]), ("ij->jij", [[0, 0], [0, 0]]),
    ("ii", np.arange(6).reshape(2, 3)), ("ii->i", np.arange(6).reshape(2, 3)),
    ("aabcb,abc", np.ones((3, 3, 4, 5, 6)), np.ones((3, 4, 5))), (None,) * 63,
]
for _i, _args in enumerate(_ERRORS):
    for _fn in ("einsum", "einsum_path"):
        for _opt in (False, True):
            CASES[f"einsum_errors_{_fn}_{_i}_{_opt}"] = Case(
                lambda m, *a, f=_fn, o=_opt: getattr(m, f)(*a, optimize=o), *_args)

# test_einsum_specific_errors
_M6 = np.arange(6).reshape(2, 3)
for _k, _kw in {"out_str": {"out": "test"}, "order_W": {"order": "W"},
                "casting_blah": {"casting": "blah"}, "bad_dtype": {"dtype": "bad_data_type"},
                "bad_arg": {"bad_arg": 0}}.items():
    for _opt in (False, True):
        CASES[f"einsum_specific_errors_{_k}_{_opt}"] = Case(
            lambda m, kw=_kw, o=_opt: m.einsum("", 0, optimize=o, **kw))
CASES["einsum_specific_errors_broadcast"] = Case(_es("i"), _M6)
CASES["einsum_specific_errors_out_ndim"] = Case(
    lambda m, a: m.einsum("i->i", a, out=np.arange(4).reshape(2, 2)), A([[0, 1], [0, 1]]),
    tensor=False)
CASES["einsum_specific_errors_order_d"] = Case(_es("i->i", order="d"),
                                               np.arange(6).reshape(-1, 1))

# test_einsum_views: every view form, in both calling forms (values; writes in test_views)
_A23, _A33, _A333, _A234 = (np.arange(6.0).reshape(2, 3), np.arange(9.0).reshape(3, 3),
                            np.arange(27.0).reshape(3, 3, 3), np.arange(24.0).reshape(2, 3, 4))
_E = Ellipsis
VIEWS = {
    "dots": ("...", [_E], None, _A23), "ij": ("ij", [0, 1], None, _A23),
    "ji": ("ji", [1, 0], None, _A23), "diag": ("ii->i", [0, 0], [0], _A33),
    "ell_diag": ("...ii->...i", [_E, 0, 0], [_E, 0], _A333),
    "diag_ell": ("ii...->...i", [0, 0, _E], [_E, 0], _A333),
    "ell_diag_first": ("...ii->i...", [_E, 0, 0], [0, _E], _A333),
    "jii": ("jii->ij", [1, 0, 0], [0, 1], _A333),
    "ii_ell_i": ("ii...->i...", [0, 0, _E], [0, _E], _A333),
    "i_ell_i": ("i...i->i...", [0, _E, 0], [0, _E], _A333),
    "i_ell_i_last": ("i...i->...i", [0, _E, 0], [_E, 0], _A333),
    "triple": ("iii->i", [0, 0, 0], [0], _A333), "swap": ("ijk->jik", [0, 1, 2], [1, 0, 2], _A234),
}
for _k, (_s, _sub, _osub, _a) in VIEWS.items():
    CASES[f"einsum_views_{_k}"] = Case(_es(_s), _a, grad=True)
    CASES[f"einsum_views_{_k}_sublist"] = Case(
        (lambda m, a, s=_sub: m.einsum(a, s)) if _osub is None
        else (lambda m, a, s=_sub, o=_osub: m.einsum(a, s, o)), _a, grad=True)


def _sums(dt):
    """check_einsum_sums' contractions at a few of its sizes (1..16, 1..24 in NumPy)."""
    dt = np.dtype(dt)
    c = {}

    def ar(*shape, start=0):
        return (np.arange(int(np.prod(shape))) + start).astype(dt).reshape(shape)

    for n in (1, 3, 8, 16):
        c[f"i_{n}"] = (_es("i->"), ar(n))
        c[f"i_sub_{n}"] = (lambda m, a: m.einsum(a, [0], []), ar(n))
        c[f"ell_i_{n}"] = (_es("...i->..."), ar(2, 3, n))
        c[f"ell_i_sub_{n}"] = (lambda m, a: m.einsum(a, [_E, 0], [_E]), ar(2, 3, n))
        c[f"i_ell_{n}"] = (_es("i...->..."), ar(2, n))
        c[f"i_ell3_{n}"] = (lambda m, a: m.einsum(a, [0, _E], [_E]), ar(2, 3, n))
        c[f"trace_{n}"] = (_es("ii"), ar(n, n))
        c[f"trace_sub_{n}"] = (lambda m, a: m.einsum(a, [0, 0]), ar(n, n))
        c[f"trace_np_sub_{n}"] = (lambda m, a: m.einsum(a, np.asarray([0, 0])), ar(n, n))
        c[f"multiply_{n}"] = (_es("..., ..."), ar(3, n), ar(2, 3, n))
        c[f"multiply_sub_{n}"] = (lambda m, a, b: m.einsum(a, [_E], b, [_E]), ar(3, n),
                                  ar(2, 3, n))
        c[f"inner_{n}"] = (_es("...i, ...i"), ar(2, 3, n), ar(n))
        c[f"inner_first_{n}"] = (_es("i..., i..."), ar(n, 3, 2), ar(n))
        c[f"outer_{n}"] = (_es("i,j"), ar(3, start=1), ar(n, start=1))
        c[f"matvec_{n}"] = (_es("ij, j"), ar(4, n), ar(n))
        c[f"matvec_T_{n}"] = (lambda m, a, b: m.einsum(a.T, [1, 0], b.T, [1]), ar(4, n), ar(n))
        if n < 8 or dt != np.float16:
            c[f"matmat_{n}"] = (_es("ij,jk"), ar(4, n), ar(n, 6))
        c[f"stride0_{n}"] = (_es("i,->i"), ar(n), A(2, dtype=dt))
        c[f"stride0_sum_{n}"] = (_es(",i->"), A(2, dtype=dt), ar(n))
        c[f"shifted_{n}"] = (lambda m, a: m.einsum("i,i", a[1:], a[:-1]), ar(n + 1))
    c["scalar"] = (lambda m: m.einsum("..., ...", 3, 4),)
    if dt != np.float16:
        c["triple"] = (_es("ij,jk,kl"), ar(3, 4), ar(4, 5), ar(5, 6))
        c["triple_sub"] = (lambda m, a, b, d: m.einsum(a, [0, 1], b, [1, 2], d, [2, 3]),
                           ar(3, 4), ar(4, 5), ar(5, 6))
        c["tensordot"] = (_es("ijk, jil -> kl"), ar(3, 4, 5), ar(4, 3, 2))
        c["tensordot_sub"] = (lambda m, a, b: m.einsum(a, [0, 1, 2], b, [1, 0, 3], [2, 3]),
                              ar(3, 4, 5), ar(4, 3, 2))
    neg = -2 if dt.kind != "u" else np.iinfo(dt).max - 1
    with np.errstate(invalid="ignore"):
        la = A([1, 3, neg, 0, 12, 13, 0, 1]).astype(dt)
        lb = A([0, 3.5, 0.0, neg, 0, 1, 3, 12]).astype(dt)
    lc = A([True, True, False, True, True, False, True, True])
    c["logical_and"] = (_es("i,i,i->i", dtype="?", casting="unsafe"), la, lb, lc)
    c["scalar_sum"] = (_es(",i->"), A(3), ar(9))
    c["scalar_sum_sub"] = (lambda m, a: m.einsum(3, [], a, [0], []), ar(9))
    c["sum_scalar"] = (_es("i,->"), ar(9), A(3))
    c["ticket1885"] = (_es("z,mz,zm->"), ar(2, start=1), ar(2, 2, start=3), ar(2, 2, start=7))
    c["eye_ones"] = (_es("ji,i->"), np.eye(2, dtype=dt), np.ones(2, dtype=dt))
    c["ones_eye"] = (_es("i,ij->"), np.ones(2, dtype=dt), np.eye(2, dtype=dt))
    return c


SUM_DTYPES = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4",
              "uint32": "u4", "int64": "i8", "uint64": "u8", "float16": "f2", "float32": "f4",
              "float64": "f8", "cfloat64": "c8", "cfloat128": "c16"}
for _name, _dt in SUM_DTYPES.items():
    for _k, (_f, *_ops) in _sums(_dt).items():
        CASES[f"einsum_sums_{_name}_{_k}"] = Case(
            _f, *_ops, tol=0.0 if np.dtype(_dt).kind in "iub" else 1e-6 if _dt in ("f2", "f4", "c8")
            else EPS, grad=_dt == "f8" and _k in ("i_8", "ell_i_3", "trace_3", "multiply_3",
                                                  "inner_first_3", "outer_3", "matvec_T_3",
                                                  "matmat_3", "triple", "tensordot",
                                                  "ticket1885", "shifted_3", "stride0_3",
                                                  "stride0_sum_3"))

# test_einsum_misc, test_einsum_broadcast, the bug-report cases
_ONES12, _ONES221 = np.ones((1, 2)), np.ones((2, 2, 1))
CASES.update({
    "einsum_misc_assignzero": Case(_es("ij...,j...->i..."), _ONES12, _ONES221, grad=True),
    "einsum_misc_assignzero_opt": Case(_es("ij...,j...->i...", optimize=True), _ONES12,
                                       _ONES221),
    "einsum_misc_lists": Case(lambda m: m.einsum("...i,...i", [1, 2, 3], [2, 3, 4])),
    "einsum_misc_lists_greedy": Case(lambda m: m.einsum("...i,...i", [1, 2, 3], [2, 3, 4],
                                                        optimize="greedy")),
    "einsum_misc_buffered": Case(_es("ijklm,ijn,ijn->"), np.ones((5, 12, 4, 2, 3), np.int64),
                                 np.ones((5, 12, 11), np.int64)),
    "einsum_misc_gh2027": Case(_es("x,yx,zx->xzy"), np.arange(1, 3),
                               np.arange(1, 5).reshape(2, 2), np.arange(1, 9).reshape(4, 2)),
    "einsum_misc_gh2027_f": Case(_es("x,yx,zx->xzy", optimize=True), np.arange(1.0, 3),
                                 np.arange(1.0, 5).reshape(2, 2),
                                 np.arange(1.0, 9).reshape(4, 2), grad=True),
    "einsum_misc_out_none": Case(lambda m: m.einsum("i,j", [1], [2], out=None)),
    "subscript_range_20": Case(lambda m, a, b: m.einsum(a, [0, 20], b, [20, 2], [0, 2]),
                               np.ones((2, 3)), np.ones((3, 4))),
    "subscript_range_27": Case(lambda m, a, b: m.einsum(a, [0, 27], b, [27, 2], [0, 2]),
                               np.ones((2, 3)), np.ones((3, 4))),
    "subscript_range_51": Case(lambda m, a, b: m.einsum(a, [0, 51], b, [51, 2], [0, 2]),
                               _rand(2, 3), _rand(3, 4), tol=EPS, grad=True),
    "subscript_range_52": Case(lambda m, a, b: m.einsum(a, [0, 52], b, [52, 2], [0, 2]),
                               np.ones((2, 3)), np.ones((3, 4))),
    "subscript_range_neg": Case(lambda m, a, b: m.einsum(a, [-1, 5], b, [5, 2], [-1, 2]),
                                np.ones((2, 3)), np.ones((3, 4))),
    "fixedstridebug": Case(_es("cl, cpx->lpx"), np.arange(6).reshape(2, 3).astype(np.float32),
                           np.arange(2 * 3 * 2731).reshape(2, 3, 2731).astype(np.int16),
                           tol=1e-6),
    "fixedstridebug_report": Case(_es("cl, cpxy->lpxy"), np.arange(9.0).reshape(3, 3),
                                  np.arange(3 * 3 * 16 * 16).reshape(3, 3, 16, 16)
                                  .astype(np.float32), tol=EPS),
    "failed_on_p9_and_s390x": Case(_es("ijij->"), _rand(10, 10, 10, 10), tol=EPS, grad=True),
    "combined_views_mapping": Case(_es("bbcdc->d"), np.arange(9).reshape(1, 1, 3, 1, 3)),
    "combined_views_mapping_f": Case(_es("bbcdc->d"), _rand(1, 1, 3, 1, 3), grad=True),
    "einsum_chunking_precision": Case(
        lambda m, a: m.einsum("i->", m.broadcast_to(a, (1_000_000,))) / 1_000_000,
        A(1.0 + np.finfo(np.float64).eps * 8196), tol=1e-15),
    "spaces": Case(lambda m, a: [m.einsum("{}...a{}->{}...a{}".format(*sp), a)
                                 for sp in itertools.product(["", " "], repeat=4)],
                   A([[1.0]])),
})
_B3 = np.arange(3.0)
for _opt in (False, True):
    for _i, (_s, _x, _y) in enumerate([
            ("ij...,j...->ij...", np.arange(24.0).reshape(2, 3, 4), _B3),
            ("ij...,...j->ij...", np.arange(24.0).reshape(2, 3, 4), _B3),
            ("ij...,j->ij...", np.arange(24.0).reshape(2, 3, 4), _B3),
            ("ik...,k...->i...", np.arange(12.0).reshape(4, 3), np.arange(6.0).reshape(3, 2)),
            ("ik...,...kj->i...j", np.arange(12.0).reshape(4, 3), np.arange(6.0).reshape(3, 2)),
            ("...k,kj", np.arange(12.0).reshape(4, 3), np.arange(6.0).reshape(3, 2)),
            ("ik,k...->i...", np.arange(12.0).reshape(4, 3), np.arange(6.0).reshape(3, 2)),
            ("ijkl,k", np.arange(120.0).reshape(2, 3, 4, 5), np.arange(4.0)),
            ("...kl,k", np.arange(120.0).reshape(2, 3, 4, 5), np.arange(4.0)),
            ("...kl,k...", np.arange(120.0).reshape(2, 3, 4, 5), np.arange(4.0)),
            ("...lmn,lmno->...o", np.arange(60.0).reshape(1, 1, 1, 3, 4, 5),
             np.arange(180.0).reshape(3, 4, 5, 3))]):
        CASES[f"einsum_broadcast_{_i}_{_opt}"] = Case(_es(_s, optimize=_opt), _x, _y,
                                                      grad=not _opt)

# test_different_paths: the +0.5 values, each dtype
for _dt in np.typecodes["AllFloat"] + np.typecodes["AllInteger"]:
    if _dt in "gG" or np.dtype(_dt).kind == "c" and np.dtype(_dt).itemsize > 16:
        continue
    _arr = (np.arange(7) + 0.5).astype(_dt)
    _sc = A(2, dtype=_dt)
    _tol = 0.0 if np.dtype(_dt).kind in "iu" else 1e-3 if np.dtype(_dt).itemsize <= 4 else EPS
    _f5 = A([0.5, 0.5, 0.25, 4.5, 3.0]).astype(_dt)
    for _k, (_s, *_ops) in {
            "sum": ("i->", _arr), "mul": ("i,i->i", _arr, _arr),
            "noncontig": ("i,i->i", _arr.repeat(2)[::2], _arr.repeat(2)[::2]),
            "dot": ("i,i->", _arr, _arr), "scalar_mul": (",i->i", _sc, _arr),
            "scalar_sum": (",i->", _sc, _arr), "sum_scalar": ("i,->", _arr, _sc),
            "three": ("i,i,i->", _f5, _f5, _f5), "four": ("i,i,i,i->", _f5, _f5, _f5, _f5),
    }.items():
        CASES[f"different_paths_{_dt}_{_k}"] = Case(_es(_s), *_ops, tol=_tol)


# optimize_compare: each contraction with optimize False, 'greedy' and 'optimal' against NumPy
_SIZES = dict(zip("abcdefghij", [2, 3, 4, 5, 4, 3, 2, 6, 5, 4], strict=True))


def _opt_cases(group, specs, operands=None):
    for i, s in enumerate(specs):
        ops = operands[i] if operands is not None else [
            _rand(*[_SIZES[c] for c in t]) for t in s.split("->")[0].split(",")]
        for opt in (False, "greedy", "optimal"):
            CASES[f"{group}_{i}_{opt}"] = Case(_es(s, optimize=opt), *ops, tol=1e-10,
                                               grad=opt == "greedy")


_opt_cases("hadamard_like_products", ["a,ab,abc->abc", "a,b,ab->ab"])
_opt_cases("index_transformations", ["ea,fb,gc,hd,abcd->efgh", "ea,fb,abcd,gc,hd->efgh",
                                     "abcd,ea,fb,gc,hd->efgh"])
_opt_cases("complex", ["acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "cd,bdhe,aidb,hgca,gc,hgibcd,hgac",
                       "abhe,hidj,jgba,hiab,gab", "bde,cdh,agdb,hica,ibd,hgicd,hiac",
                       "chd,bde,agbc,hiad,hgc,hgi,hiad", "chd,bde,agbc,hiad,bdi,cgh,agdb",
                       "bdhe,acad,hiab,agac,hibd"])
_opt_cases("collapse", ["ab,ab,c->", "ab,ab,c->c", "ab,ab,cd,cd->", "ab,ab,cd,cd->ac",
                        "ab,ab,cd,cd->cd", "ab,ab,cd,cd,ef,ef->"])
_opt_cases("expand", ["ab,cd,ef->abcdef", "ab,cd,ef->acdf", "ab,cd,de->abcde", "ab,cd,de->be",
                      "ab,bcd,cd->abcd", "ab,bcd,cd->abd"])
_opt_cases("edge_cases", ["eb,cb,fb->cef", "dd,fb,be,cdb->cef", "bca,cdb,dbf,afc->",
                          "dcc,fce,ea,dbf->ab", "fdf,cdd,ccd,afe->ae", "abcd,ad",
                          "ed,fcd,ff,bcf->be", "baa,dcf,af,cde->be", "bd,db,eac->ace",
                          "fff,fae,bef,def->abd", "efc,dbc,acf,fd->abe", "ba,ac,da->bcd"])
_opt_cases("inner_product", ["ab,ab", "ab,ba", "abc,abc", "abc,bac", "abc,cba"])
_opt_cases("random_cases", ["aab,fa,df,ecc->bde", "ecb,fef,bad,ed->ac", "bcf,bbb,fbf,fc->",
                            "bb,ff,be->e", "bcb,bb,fc,fff->", "fbb,dfd,fc,fc->",
                            "afd,ba,cc,dc->bf", "adb,bc,fa,cfc->d", "bbd,bda,fc,db->acf",
                            "dba,ead,cad->bce", "aef,fbc,dca->bde"])
_g = np.arange(64.0).reshape(2, 4, 8)
_opt_cases("broadcasting_dot_cases",
           ["ijk,kl,jl", "ijk,kl,jl,i->i", "abjk,kl,jl", "abjk,kl,jl,ab->ab", "obk,ijk->ioj"],
           [[_rand(1, 5, 4), _rand(4, 6), _rand(5, 6)],
            [_rand(1, 5, 4), _rand(4, 6), _rand(5, 6), _rand(10)],
            [_rand(1, 1, 5, 4), _rand(4, 6), _rand(5, 6)],
            [_rand(1, 1, 5, 4), _rand(4, 6), _rand(5, 6), _rand(7, 7)], [_g, _g]])
_opt_cases("singleton_broadcasting",
           ["ijp,ipq,ikq->ijk", "jhcabhijaci,dfijejgh->fgje", "baegffahgc,hdggeff->dhg",
            "cehgbaifff,fhhdegih->cdghbi", "gah,cdbcghefg->ef", "cacc,bcb->"],
           [[_rand(3, 1, 1), _rand(3, 1, 3), _rand(1, 3, 3)],
            [_rand(1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1), _rand(3, 1, 3, 1, 1, 1, 1, 2)],
            [_rand(2, 1, 4, 1, 1, 1, 1, 2, 1, 1), _rand(1, 1, 1, 1, 4, 1, 1)],
            [_rand(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), _rand(2, 1, 1, 2, 4, 1, 1, 1)],
            [_rand(2, 3, 1), _rand(1, 3, 1, 1, 1, 2, 1, 4, 1)],
            [_rand(1, 1, 1, 1), _rand(1, 4, 1)]])
CASES["einsum_output_order"] = Case(  # values only: the layout is the backend's (differs)
    _es("...ft,mf->...mt", order="a"), np.ones((2, 3, 5), order="F"), np.ones((4, 3)))


# TestEinsumPath: the path lists and the einsum_path errors (gnp.einsum_path is NumPy's own,
# read from the operands' shapes and dtypes)
def _po(spec, sizes=None):
    sizes = sizes or _SIZES
    return [_rand(*[sizes[c] for c in t]) for t in spec.split("->")[0].split(",")]


def _path_list(spec, **kw):
    return lambda m, *a: m.einsum_path(spec, *a, **kw)[0]


_P20 = dict.fromkeys("abcd", 20)
for _k, (_s, _opt, _ops) in {
        "memory_contraints_outer_greedy": ("a,b,c->abc", ("greedy", 0), None),
        "memory_contraints_outer_optimal": ("a,b,c->abc", ("optimal", 0), None),
        "memory_contraints_long_greedy": ("acdf,jbje,gihb,hfac", ("greedy", 0), None),
        "memory_contraints_long_optimal": ("acdf,jbje,gihb,hfac", ("optimal", 0), None),
        "long_paths_1_greedy": ("acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "greedy", None),
        "long_paths_1_optimal": ("acdf,jbje,gihb,hfac,gfac,gifabc,hfac", "optimal", None),
        "long_paths_2_greedy": ("chd,bde,agbc,hiad,bdi,cgh,agdb", "greedy", None),
        "long_paths_2_optimal": ("chd,bde,agbc,hiad,bdi,cgh,agdb", "optimal", None),
        "edge_paths_1": ("eb,cb,fb->cef", "greedy", None),
        "edge_paths_2": ("dd,fb,be,cdb->cef", "optimal", None),
        "edge_paths_3": ("bca,cdb,dbf,afc->", "greedy", None),
        "edge_paths_4_greedy": ("dcc,fce,ea,dbf->ab", "greedy", None),
        "edge_paths_4_optimal": ("dcc,fce,ea,dbf->ab", "optimal", None),
        "edge_paths_5": ("a,ac,ab,ad,cd,bd,bc->", "optimal", _P20),
        "path_type_input_false": ("dcc,fce,ea,dbf->ab", False, None),
        "path_type_input_true": ("dcc,fce,ea,dbf->ab", True, None),
        "path_type_input_given": ("dcc,fce,ea,dbf->ab",
                                  ["einsum_path", (0, 2), (0, 2), (0, 1)], None),
        "path_type_input_internal_trace": ("cab,cdd->ab", ["einsum_path", (1,), (0, 1)], None),
        "path_type_input_invalid_1": ("ab,bc,cd,de->ae", ["einsum_path", (2, 3), (0, 1)], None),
        "path_type_input_invalid_2": ("a,a,a->a", ["einsum_path", (1,), (0, 1)], None),
}.items():
    CASES[_k] = Case(_path_list(_s, optimize=_opt), *_po(_s, _ops), tensor=True)
    if _k.startswith("path_type"):  # einsum itself on the given path
        CASES[_k + "_einsum"] = Case(_es(_s, optimize=_opt), *_po(_s, _ops), tol=1e-10,
                                     grad=_k.endswith(("given", "trace")))
CASES["einsum_sorting_behavior_26"] = Case(
    lambda m, a: m.einsum_path(a, list(range(26)))[1].split("->")[-1].strip(),
    _rand(*(1,) * 26))
CASES["einsum_sorting_behavior_27"] = Case(
    lambda m, a: m.einsum_path(a, list(range(27)))[1].split("->")[-1].strip(),
    _rand(*(1,) * 27))


# out= (arrays: a NumPy out= refuses a result being recorded, deliberately)
def _into(fn, out):
    def f(m, *a):
        o = out.copy()
        return fn(m, *a, o), o
    return f


OUT_CASES: dict[str, Case] = {}
for _name, _dt in SUM_DTYPES.items():
    _ar4 = np.arange(4 * 3).astype(_dt).reshape(4, 3)
    _b3 = np.arange(3).astype(_dt)
    for _k, (_fn, _o, _ops) in {
            "matvec": (lambda m, a, b, o: m.einsum("ij,j", a, b, out=o, dtype="f8",
                                                   casting="unsafe"),
                       np.arange(4).astype(_dt), (_ar4, _b3)),
            "matvec_sub": (lambda m, a, b, o: m.einsum(a, [0, 1], b, [1], out=o, dtype="f8",
                                                       casting="unsafe"),
                           np.arange(4).astype(_dt), (_ar4, _b3)),
            "matmat": (lambda m, a, b, o: m.einsum("ij,jk", a, b, out=o, dtype="f8",
                                                   casting="unsafe"),
                       np.arange(24).astype(_dt).reshape(4, 6),
                       (_ar4, np.arange(18).astype(_dt).reshape(3, 6))),
            "tensordot": (lambda m, a, b, o: m.einsum("ijk,jil->kl", a, b, out=o, dtype="f8",
                                                      casting="unsafe"),
                          np.arange(10).astype(_dt).reshape(5, 2),
                          (np.arange(60).astype(_dt).reshape(3, 4, 5),
                           np.arange(24).astype(_dt).reshape(4, 3, 2))),
    }.items():
        OUT_CASES[f"einsum_sums_{_name}_{_k}"] = Case(_into(_fn, _o), *_ops)
OUT_CASES.update({
    "einsum_fixed_collapsingbug": Case(_into(lambda m, a, o: m.einsum("aabb->ab", a, out=o),
                                             np.zeros((5, 5))), _rand(5, 5, 5, 5)),
    "einsum_all_contig_non_contig_output_1": Case(
        lambda m, a: _strided_out(m, "mi,mi,mi->m", a), np.ones((5, 5))),
    "einsum_all_contig_non_contig_output_2": Case(
        lambda m, a: _strided_out(m, "im,im,im->m", a), np.ones((5, 5))),
    "einsum_all_contig_non_contig_output_3": Case(
        lambda m, a: _strided_out(m, "ij,jk->ik", a, a), np.ones((2, 2), np.float32)),
    "small_boolean_arrays": Case(
        _into(lambda m, a, o: m.einsum("...ij,...jk->...ik", a, a, out=o),
              np.zeros((2, 1, 1), bool)), np.ones((2, 1, 1), bool)),
    "out_is_res": Case(lambda m, a: _out_is(m, "...ij,...jk->...ik", a, a, 0),
                       np.arange(9).reshape(3, 3)),
    "overlap": Case(lambda m, a, b: _out_is(m, "ij,jk->ik", a, b, 1),
                    np.arange(9).reshape(3, 3), np.arange(9).reshape(3, 3)),
    "einsum_0d_out": Case(_into(lambda m, a, o: m.einsum("i,i->", a, a, out=o,
                                                         optimize="optimal"), A(0.0)),
                          np.ones(7)),
})


def _strided_out(m, spec, *ops):
    base = np.ones(10) if "m" in spec else np.ones((2, 2, 2))
    out = base[::2] if "m" in spec else base[..., 0]
    m.einsum(spec, *ops, out=out)
    return base


def _out_is(m, spec, a, b, which):
    a, b = a.copy(), b.copy()
    out = (a, b)[which]
    r = m.einsum(spec, a, b, out=out)
    assert r is out
    return r


# ---- test_pocketfft, test_helper ------------------------------------------------------------

F1 = ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")
FN = ("fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2")
NORMS = (None, "backward", "ortho", "forward")
_X30, _XR30 = _rand(30, cplx=True), _rand(30)
_X3D, _XR3D = _rand(6, 5, 4, cplx=True), _rand(6, 5, 4)


def _real_in(name):
    return name in ("rfft", "ihfft", "rfftn", "rfft2")


def _ft(name, **kw):
    return lambda m, a: getattr(m.fft, name)(a, **kw)


def _fcase(key, name, a, grad=True, tol=EPS, **kw):
    CASES[key] = Case(_ft(name, **kw), a, tol=tol, grad=grad)


CASES["fft_n"] = Case(lambda m, a: m.fft.fft(a, 0), A([1.0, 2, 3]))
for _name in F1:
    _a = _XR30 if _real_in(_name) else _X30
    for _norm in NORMS:  # test_fft, test_ifft, test_rfft, ..., test_all_1d_norm_preserving
        for _n in (None, 7, 30, 60):
            _fcase(f"{_name}_{_norm}_{_n}", _name, _a, grad=_n != 30, n=_n, norm=_norm)
    _fcase(f"{_name}_norm_bad", _name, _a, grad=False, norm="bad")
    for _n in (0, -1, 7.0, np.float64(7), True):  # float n: TypeError, as NumPy
        CASES[f"{_name}_n_{_n!r}"] = Case(_ft(_name, n=_n), _a)
    _fcase(f"{_name}_axis0", _name, _XR3D if _real_in(_name) else _X3D, axis=0)
    _fcase(f"{_name}_axis_out_of_range", _name, _a, grad=False, axis=5)
    CASES[f"{_name}_empty"] = Case(_ft(_name), np.zeros(0) if _real_in(_name)
                                   else np.zeros(0, complex))
    for _dt in (np.bool_, np.uint8, np.int16, np.float32, np.float64, np.complex64):
        if _real_in(_name) and np.dtype(_dt).kind == "c":
            continue
        CASES[f"fft_with_integer_or_bool_input_{_name}_{np.dtype(_dt).name}"] = Case(
            _ft(_name), (np.arange(10) % 3).astype(_dt),
            tol=1e-5 if np.dtype(_dt) in (np.float32, np.complex64) else EPS)
    for _dt in (np.float32, np.float64):  # test_identity_long_short(_reversed)
        for _n in (1, 5, 16, 31):
            _xs = _rand(16, cplx=not _real_in(_name)).astype(
                _dt if _real_in(_name) else np.result_type(_dt, 1j))
            CASES[f"identity_long_short_{_name}_{np.dtype(_dt).name}_{_n}"] = Case(
                _ft(_name, n=_n), _xs, tol=1e-5 if _dt == np.float32 else EPS,
                grad=_dt == np.float64)
    CASES[f"dtypes_{_name}_float16"] = Case(_ft(_name), _rand(6).astype(np.float16), tol=2e-3)
for _i in range(1, 40, 3):  # test_identity: the round trips at every length
    CASES[f"identity_{_i}"] = Case(
        lambda m, a, b: (m.fft.ifft(m.fft.fft(a)), m.fft.irfft(m.fft.rfft(b), len(b))),
        _X30[:_i] if _i <= 30 else _rand(_i, cplx=True), _XR30[:_i] if _i <= 30 else _rand(_i),
        tol=EPS, grad=_i in (1, 4, 7))
for _name in FN:
    _a = _XR3D if _real_in(_name) else _X3D
    for _norm in NORMS:
        _fcase(f"{_name}_{_norm}", _name, _a, norm=_norm)
    for _k, _kw in {
            "axes02": {"axes": (0, 2)}, "axes_neg": {"axes": (-1, 0)},
            "repeated": {"axes": (0, 0, 1), "s": (10, 20, 40)}, "repeated_plain": {"axes": (0, 0)},
            "s333": {"s": (3, 3, 3), "axes": (0, 1, 2)}, "s_negative_1": {"s": (-1, 5),
                                                                         "axes": (0, 1)},
            "s_float": {"s": (4.0, 3), "axes": (0, 1)}, "axes_out_of_range": {"axes": (5,)},
            "axes_empty": {"axes": ()}, "s_axes_mismatch": {"s": (4, 3), "axes": (0, 1, 2)},
            "s_zero": {"s": (0, 3), "axes": (0, 1)}, "axis1_s9": {"axes": (1,), "s": (9,)},
            "not_last_axis": {"axes": (-2,)}}.items():
        if _name.endswith("2") and _k in ("repeated_plain", "axes_empty", "not_last_axis",
                                          "axis1_s9", "axes_out_of_range"):
            continue
        _fcase(f"{_name}_{_k}", _name, _a, grad=_k in ("axes02", "repeated", "s333",
                                                       "not_last_axis"), **_kw)
    for _p in itertools.permutations(range(3)):  # test_axes
        CASES[f"axes_{_name}_{''.join(map(str, _p))}"] = Case(
            lambda m, a, p=_p, f=_name: (getattr(m.fft, f)(m.transpose(a, p)),
                                         m.transpose(getattr(m.fft, f)(a, axes=p), p))
            if not f.endswith("2") else getattr(m.fft, f)(a, axes=p[:2]), _a, tol=EPS)
    for _order in ("F", "noncontig"):  # test_fft_with_order
        _y = np.asfortranarray(_a) if _order == "F" else _a[::-1]
        CASES[f"fft_with_order_{_name}_{_order}"] = Case(_ft(_name), _y, tol=EPS)
for _name in ("fft", "ifft"):
    for _order in ("F", "noncontig"):
        _y = np.asfortranarray(_X3D) if _order == "F" else _X3D[::-1]
        CASES[f"fft_with_order_{_name}_{_order}"] = Case(
            lambda m, a, f=_name: [getattr(m.fft, f)(a, axis=k) for k in range(3)], _y, tol=EPS)
CASES.update({
    "rfft_even": Case(lambda m, a: m.fft.rfft(a, 4), np.arange(8)),
    "rfft_odd": Case(lambda m, a: m.fft.rfft(a), A([1, 0, 2, 3, -3])),
    "rfftn_gh27159": Case(_ft("rfftn", axes=(0, 0, 1), s=(10, 20, 40)), np.ones((2, 3)),
                          tol=EPS, grad=True),
    "irfft_with_n_1_regression": Case(
        lambda m, a, z: (m.fft.irfft(a, n=1), m.fft.hfft(a, n=1), m.fft.irfft(z, n=10)),
        np.arange(10.0), A([0], complex), tol=EPS),
    "irfft_with_n_large_regression": Case(_ft("hfft", n=10), np.arange(5) * (1 + 1j), tol=EPS,
                                          grad=True),
    "hfft_hermitian": Case(lambda m, a: (m.fft.hfft(a), m.fft.ihfft(m.fft.hfft(a))),
                           np.concatenate((_rand(1), _rand(14, cplx=True), _rand(1))), tol=EPS,
                           grad=True),
    "not_last_axis_success": Case(_ft("irfftn", axes=(-2,)), _rand(16, 8, 32, cplx=True),
                                  tol=EPS),
})
_FREQ = A([[0.0, 1, 2], [3, 4, -4], [-3, -2, -1]])
_UNEVEN = A([[0.0, 1], [2, 3], [4, 5]])
for _name in ("fftshift", "ifftshift"):
    for _k, _kw in {"none": {}, "all": {"axes": None}, "0": {"axes": 0}, "t0": {"axes": (0,)},
                    "l0": {"axes": [0]}, "1": {"axes": 1}, "01": {"axes": (0, 1)},
                    "l01": {"axes": [0, 1]}, "11": {"axes": (1, 1)}, "5": {"axes": 5}}.items():
        for _a, _t in ((_FREQ, "square"), (_UNEVEN, "uneven")):
            CASES[f"{_name}_{_t}_{_k}"] = Case(_ft(_name, **_kw), _a, grad=_k in ("01", "1"))
    for _n in (1, 4, 9, 100, 211):  # test_inverse
        CASES[f"inverse_{_name}_{_n}"] = Case(
            lambda m, a: m.fft.ifftshift(m.fft.fftshift(a)), _rand(_n))
    for _i, _j in ((0, 0), (1, 5), (4, 4), (5, 7), (15, 2)):  # test_equal_to_original
        for _ax in (0, 1, None, (0,), (0, 1)):
            CASES[f"equal_to_original_{_name}_{_i}_{_j}_{_ax}"] = Case(
                _ft(_name, axes=_ax), _rand(_i, _j))
CASES["fftshift_definition_lists"] = Case(
    lambda m: (m.fft.fftshift([0, 1, 2, 3, 4, -4, -3, -2, -1]),
               m.fft.ifftshift([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4])))
for _n in (9, 10, 1):
    for _d in (1.0, np.pi, 0.5):
        CASES[f"fftfreq_{_n}_{_d}"] = Case(lambda m, n=_n, d=_d: m.fft.fftfreq(n, d),
                                           tol=1e-15)
        CASES[f"rfftfreq_{_n}_{_d}"] = Case(lambda m, n=_n, d=_d: m.fft.rfftfreq(n, d),
                                            tol=1e-15)
CASES["fftfreq_float_n"] = Case(lambda m: m.fft.fftfreq(9.0))
CASES["rfftfreq_float_n"] = Case(lambda m: m.fft.rfftfreq(9.0))

# the transforms' out= (test_fft_out_argument, test_fft_inplace_out, test_fftn_out_argument,
# test_fftn_out_and_s_interaction, test_irfftn_out_and_s_interaction, test_fft_bad_out)
_Y = _rand(10, 20, cplx=True)
for _axis in (0, 1):
    for _cplx in (True, False):
        for _tr in (True, False):
            _f, _fi = ("fft", "ifft") if _cplx else ("rfft", "irfft")
            _y = _Y if _cplx else _Y.real.copy()
            _exp = getattr(np.fft, _f)(_y, axis=_axis)
            _o = np.zeros_like(_exp.T).T if _tr else np.zeros_like(_exp)
            OUT_CASES[f"fft_out_argument_{_f}_{_axis}_{_tr}"] = Case(
                _into(lambda m, a, o, f=_f, ax=_axis: getattr(m.fft, f)(a, axis=ax, out=o),
                      _o), _y, tol=EPS)
            _exp2 = getattr(np.fft, _fi)(_exp, axis=_axis)
            _o2 = np.zeros_like(_exp2.T).T if _tr else np.zeros_like(_exp2)
            OUT_CASES[f"fft_out_argument_{_fi}_{_axis}_{_tr}"] = Case(
                _into(lambda m, a, o, f=_fi, ax=_axis: getattr(m.fft, f)(a, axis=ax, out=o),
                      _o2), _exp, tol=EPS)
for _axes in ((0, 1), (0, 2), None):
    _x = _rand(10, 5, 6, cplx=True)
    for _f, _a in (("fftn", _x), ("ifftn", _x), ("rfftn", _x.real.copy()), ("irfftn", _x)):
        _e = getattr(np.fft, _f)(_a, axes=_axes)
        OUT_CASES[f"fftn_out_argument_{_f}_{_axes}"] = Case(
            _into(lambda m, a, o, f=_f, ax=_axes: getattr(m.fft, f)(a, axes=ax, out=o),
                  np.zeros_like(_e)), _a, tol=EPS)


def _inplace(m, y, axis, which):
    """test_fft_inplace_out's writes into (parts of) the input itself."""
    y = y.copy()
    take = (lambda a, s: a[s]) if axis == 0 else (lambda a, s: a[:, s])
    if which == 1:
        r = m.fft.fft(y, axis=axis, out=y)
    elif which == 2:
        r = m.fft.fft(y, n=10, axis=axis, out=take(y, slice(None, 10)))
    elif which == 3:
        r = m.fft.fft(take(y, slice(5, None)), n=10, axis=axis, out=take(y, slice(5, 15)))
    elif which == 4:
        r = m.fft.fft(take(y, slice(None, 10)), n=15, axis=axis, out=take(y, slice(None, 15)))
    elif which == 5:
        r = m.fft.fft(y, axis=axis, out=y.T)
    else:
        r = m.fft.fft(y, axis=axis, out=take(y, slice(None, None, -1)))
    return r, y


for _axis in (0, 1):
    for _w in range(1, 7):
        OUT_CASES[f"fft_inplace_out_{_axis}_{_w}"] = Case(
            lambda m, a, ax=_axis, w=_w: _inplace(m, a, ax, w), _rand(20, 20, cplx=True),
            tol=EPS)
_X56 = _rand(10, 5, 6, cplx=True)
for _f in ("fftn", "ifftn", "rfftn"):
    _a = _X56.real.copy() if _f == "rfftn" else _X56
    OUT_CASES[f"fftn_out_and_s_interaction_{_f}_bad"] = Case(
        lambda m, a, f=_f: getattr(m.fft, f)(a, out=np.zeros_like(a), s=(3, 3, 3),
                                             axes=(0, 1, 2)), _a)
    _e = getattr(np.fft, _f)(_a, s=(10, 5, 5), axes=(0, 1, 2))
    OUT_CASES[f"fftn_out_and_s_interaction_{_f}"] = Case(
        _into(lambda m, a, o, f=_f: getattr(m.fft, f)(a, s=(10, 5, 5), axes=(0, 1, 2), out=o),
              np.zeros_like(_e)), _a, tol=EPS)
for _s in ((9, 5, 5), (3, 3, 3)):
    _x = _rand(9, 5, 6, 2, cplx=True)
    _e = np.fft.irfftn(_x, s=_s, axes=(0, 1, 2))
    OUT_CASES[f"irfftn_out_and_s_interaction_{_s[0]}"] = Case(
        _into(lambda m, a, o, s=_s: m.fft.irfftn(a, s=s, axes=(0, 1, 2), out=o),
              np.zeros_like(_e)), _x, tol=EPS)
for _k, _o in {"str": "", "shape": np.zeros((5, 6), complex), "cast": np.zeros(30)}.items():
    OUT_CASES[f"fft_bad_out_{_k}"] = Case(lambda m, a, o=_o: m.fft.fft(a, out=o),
                                          np.arange(30.0))


# ---- test_multiarray: reshape, flat, resize, conversions -----------------------------------

_R12 = A([[1.0, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]])
CASES.update({
    "reshape_2_6": Case(lambda m, a: m.reshape(a, (2, 6)), _R12, grad=True),
    "reshape_3_4": Case(lambda m, a: m.reshape(a, (3, 4)), _R12, grad=True),
    "reshape_F": Case(lambda m, a: m.reshape(a, (3, 4), order="F"), _R12, grad=True),
    "reshape_T_C": Case(lambda m, a: m.reshape(m.transpose(a), (3, 4), order="C"), _R12,
                        grad=True),
})
for _k, _shp in {"float": (2.0, 6), "float_inner": ((2, 6.0),), "npfloat": (np.float64(2), 6),
                 "bool": (True, -1), "npbool": (np.True_, -1), "npint": (np.int64(2), 6),
                 "two_minus_one": (-1, -1), "bad_size": (5, -1)}.items():
    CASES[f"reshape_sizes_{_k}"] = Case(
        lambda m, a, s=_shp: m.reshape(a, s[0] if len(s) == 1 else s), _R12)
    CASES[f"reshape_sizes_{_k}_method"] = Case(
        lambda m, a, s=_shp: a.reshape(*s), _R12, arrays=False)
for _k, _s in {"55": (5, 5), "3": 3, "321": (3, 2, 1), "233": (2, 3, 3), "0d": (), "zero": (0,),
               "neg": -1, "float": (2.0, 3)}.items():
    CASES[f"np_resize_{_k}"] = Case(lambda m, a, s=_s: m.resize(a, s), np.eye(3),
                                    grad=_k in ("55", "233"))


def _conv(f):
    return lambda m, a: f(a)


for _k, _v in {"0d_int": A(3), "0d_int8": A(3, np.int8), "0d_bool": A(True),
               "0d_float": A(2.5), "1d": A([1]), "2d": A([[42]]), "two": A([1, 2]),
               "empty": np.zeros(0)}.items():
    for _f, _fn in (("int", int), ("float", float), ("bool", bool),
                    ("index", operator.index), ("complex", complex)):
        CASES[f"conversion_{_f}_{_k}"] = Case(_conv(_fn), _v, arrays=False)
    CASES[f"conversion_list_index_{_k}"] = Case(_conv(lambda a: [10, 20, 30, 40][a]), _v,
                                                arrays=False)
    CASES[f"conversion_range_{_k}"] = Case(_conv(lambda a: list(range(a))), _v, arrays=False)

for _d1 in "bBhHiIlLqQ":  # test_array_scalar_relational_operation
    for _d2 in "bBlLdf":
        CASES[f"relational_{_d1}_{_d2}"] = Case(
            lambda m, a, b: (a > b, a < b, 1 > b, b < 1, -1 < a, a > -1, -1 != a, a == 1,
                             a > 0.5, b >= -0.5), A(1, dtype=_d1), A(0, dtype=_d2))


# ---- the tests ------------------------------------------------------------------------------

# int()/float() of a one-element Tensor: torch's reading (docs/porting.md), not NumPy 2's
DIFFERS = {f"conversion_{f}_{k}" for f in ("int", "float", "complex") for k in ("1d", "2d")}
# where gpuad raises TypeError and NumPy does not: a boolean n (NumPy's rfft and ihfft read True
# as 1 where its fft, ifft, irfft and hfft raise TypeError)
REFUSED = {"rfft_n_True", "ihfft_n_True"}


@pytest.mark.parametrize("key", sorted(CASES))
def test_values(backend, key):
    case = CASES[key]
    convs = ([_dev] if case.arrays else []) + ([_tensor] if case.tensor else [])
    if key in DIFFERS:
        convs = [c for c in convs if c is not _tensor]
    if key in REFUSED:
        for conv in convs:
            with pytest.raises(TypeError):
                _run(gnp, case, conv)
        return
    _compare(case, key, convs)


@pytest.mark.parametrize("key", sorted(DIFFERS))
def test_one_element_tensor_conversions(backend, key):
    """differs: int(t)/float(t)/complex(t) of any one-element Tensor (torch's rule), where
    NumPy 2 takes only 0-d arrays; operator.index still refuses them, as NumPy."""
    case = CASES[key]
    v = np.asarray(case.args[0])
    got = case.fn(gnp, _tensor(v))
    assert got == case.fn(np, v.reshape(()))
    with pytest.raises(TypeError):
        operator.index(_tensor(v))


@pytest.mark.parametrize("key", sorted(OUT_CASES))
def test_out(backend, key):
    if backend != "numpy":
        pytest.skip("the out= arrays are NumPy's; the CuPy backend takes device arrays")
    case = OUT_CASES[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want, err = case.fn(np, *[a.copy() for a in case.args]), None
        except Exception as e:  # noqa: BLE001
            want, err = None, e
        args = [a.copy() for a in case.args]
        if err is not None:
            with pytest.raises((type(err), *_builtin_of(err))):
                case.fn(gnp, *args)
            return
        _same(case.fn(gnp, *args), want, case.tol, key)


GRAD_KEYS = sorted(k for k, c in CASES.items() if c.grad)


@pytest.mark.parametrize("key", GRAD_KEYS)
def test_grads(backend, key):
    """The float inputs of the case varied, the others fixed: reverse and forward mode
    against float64 central differences (complex inputs along complex directions)."""
    case = CASES[key]
    fl = [i for i, a in enumerate(case.args)
          if isinstance(a, np.ndarray) and a.dtype in (np.float64, np.complex128)]
    assert fl, key

    def f(*xs):
        args = list(case.args)
        for i, x in zip(fl, xs, strict=True):
            args[i] = x
        outs = [o for o in _flat(case.fn(gnp, *args))
                if np.dtype(getattr(o, "dtype", np.float64)).kind in "fc"]
        return tuple(outs)

    xs = tuple(_dev(np.array(case.args[i], order="C")) for i in fl)  # (0-d stays 0-d)
    check_grads(f, xs, order=1, modes=("rev", "fwd"))


def test_einsum_view_writes_reach_the_operand(backend):
    """test_einsum_views: NumPy's results are views of the operand; gpuad's single-operand
    results that sum nothing are views too: a write into one reaches the operand."""
    for k, (s, _sub, _osub, a) in VIEWS.items():
        t = ad.tensor(_dev(a.copy()))
        b = gnp.einsum(s, t)
        b[...] = -1.0
        want = a.copy()
        np.einsum(s, want)[...] = -1.0
        np.testing.assert_array_equal(to_numpy(t), want, err_msg=k)


def test_einsum_object_dtype_refused(backend):
    """test_einsum_object_errors, test_object_loop, test_einsum_sums_object: gpuad has no
    object arrays; a Tensor of objects is refused when made."""
    with pytest.raises(TypeError):
        ad.tensor(np.array([object()], dtype=object))


def test_fft_thread_safe(backend):
    """TestFFTThreadSafe: the same transform from several threads gives the same values."""
    a = _dev(np.ones((80, 20)) + 0j)
    for name in ("fft", "ifft", "rfft", "irfft"):
        f = getattr(gnp.fft, name)
        x = _dev(np.ones((80, 20))) if name == "rfft" else a
        want = to_numpy(f(x))
        got = [None] * 8

        def work(i, f=f, x=x):
            got[i] = to_numpy(f(x))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        for g in got:
            np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("op", ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2"])
def test_s_warnings(backend, op):
    """test_s_axes_none, test_s_axes_none_2D, test_s_contains_none: NumPy 2's
    DeprecationWarnings for s without axes and for None in s."""
    x = _dev(np.arange(100.0).reshape(10, 10))
    f = getattr(gnp.fft, op)
    with pytest.warns(DeprecationWarning, match="`axes` should not be `None` if `s`"):
        f(x, s=(-1, 5), axes=None)
    with pytest.warns(DeprecationWarning, match="array containing `None` values to `s`"):
        f(_dev(_rand(3, 2, 2)), s=(3, None, 2), axes=(0, 1, 2))
    assert f(x, s=(-1, 5), axes=(0, 1)).shape == getattr(np.fft, op)(
        np.arange(100.0).reshape(10, 10), s=(-1, 5), axes=(0, 1)).shape


def test_fft_out_into_a_tensor(backend):
    """out= on a Tensor is a recorded write: the gradient goes through it."""
    x = _dev(_rand(6, 8))

    def f(v):
        o = ad.tensor(_dev(np.zeros((6, 5), complex)))
        r = gnp.fft.rfft(v, out=o)
        assert r is o
        return gnp.abs(r) ** 2

    check_grads(f, (x,), order=1, modes=("rev", "fwd"))


def test_out_overlapping_a_tensor_operand(backend):
    """test_fft_inplace_out, test_overlap and test_out_is_res on Tensors: out= is the operand
    itself (or a view of it); the write is recorded after the read, and the gradient (first
    and second order) is that of the value NumPy computes."""
    z = _dev(_rand(4, 6, cplx=True))
    a = _dev(_rand(3, 3))

    def whole(v):
        y = v * 1.0
        assert gnp.fft.fft(y, axis=0, out=y) is y
        return y

    def part(v):
        y = v * 1.0
        gnp.fft.fft(y[:, :3], n=4, axis=0, out=y[:, 3:])
        return y

    def square(v):
        y = v * 1.0
        assert gnp.einsum("ij,jk->ik", y, y, out=y) is y
        return y

    zh, ah = to_numpy(z), to_numpy(a)
    _same(whole(ad.tensor(z)), np.fft.fft(zh, axis=0), EPS, "whole")
    want = zh.copy()
    np.fft.fft(want[:, :3], n=4, axis=0, out=want[:, 3:])
    _same(part(ad.tensor(z)), want, EPS, "part")
    _same(square(ad.tensor(a)), ah @ ah, EPS, "square")
    check_grads(whole, (z,), order=2, modes=("rev", "fwd"))
    check_grads(part, (z,), order=1, modes=("rev", "fwd"))
    check_grads(square, (a,), order=2, modes=("rev", "fwd"))


def test_fft_output_order(backend):
    """differs (test_fft_output_order): the result's values, not its memory layout."""
    x = np.asarray(_rand(10), dtype=np.complex64, order="F")
    for n in (None, 7, 12):
        _same(gnp.fft.fft(_tensor(x), n=n), np.fft.fft(x, n=n), 1e-5, n)


# TestFlat and the flat iterator tests
A20 = np.arange(20.0).reshape(4, 5)
# (with test_indexing.py's TestFlatiterIndexing cases, beyond the map)
FLAT_READS = [12, -1, slice(None), slice(2, 9, 3), [0, 5, 19], A([[1, 2], [3, 4]]),
              A([True, False] * 10), np.int64(7), Ellipsis, 20, -21, None, (0, 1), (0,),
              0, slice(None, 5), slice(5, 30), slice(None, None, -1), slice(10, 5), (),
              True, False, np.zeros(21, bool), [-1, -2], [True, 1], [], [True, True],
              [1.0, 2.0], A([1, 3, 5], dtype=np.int16)]


@pytest.mark.parametrize("i", range(len(FLAT_READS)))
def test_flat_reads(backend, i):
    idx = FLAT_READS[i]
    for a in (A20, A20[::2, ::2]):
        try:
            want, err = a.flat[idx], None
        except IndexError as e:
            want, err = None, e
        t = _tensor(A20)
        v = t if a is A20 else t[::2, ::2]
        if err is not None:
            with pytest.raises(type(err)):
                v.flat[idx]
            continue
        _same(v.flat[idx], np.asarray(want), 0.0, idx)
        check_grads(lambda x, s=a is A20: (x if s else x[::2, ::2]).flat[idx] * 1.0,
                    (_dev(A20),), order=1, modes=("rev", "fwd"))


FLAT_WRITES = [(12, 100.0), ([0, 5], [1.0, 2.0]), (slice(None, None, 3), -1.0),
               (A([True, False] * 10), [7.0, 8.0, 9.0]), (slice(None), np.arange(3.0)),
               ([1, 1, 2], [4.0, 5.0, 6.0]), (Ellipsis, 2.0), (A([[0, 3], [6, 9]]), [1.0]),
               (-1, 30.0), (20, 40.0), (slice(None, 5), 20.0), (slice(5, 30), 30.0),
               (slice(None, None, -1), 50.0), (slice(10, 5), 60.0), ((), 70.0),
               (True, 10.0), (False, 20.0), (np.zeros(21, bool), 40.0), ([-1, -2], 20.0),
               ([True, 1], 40.0), ([True, True], 50.0), (None, 10.0), ([1.0, 2.0], 10.0),
               (A([1, 3, 5], dtype=np.int16), 10.0)]


@pytest.mark.parametrize("i", range(len(FLAT_WRITES)))
def test_flat_writes(backend, i):
    idx, v = FLAT_WRITES[i]
    want = A20.copy()
    try:
        want.flat[idx] = v
    except IndexError as e:
        t = _tensor(A20) * 1.0
        with pytest.raises(type(e)):
            t.flat[idx] = v
        return

    def f(x, w):
        y = x * 1.0
        y.flat[idx] = w
        return y

    _same(f(_tensor(A20), _tensor(np.asarray(v, float))), want, 0.0, idx)
    check_grads(f, (_dev(A20), _dev(np.asarray(v, float))), order=1, modes=("rev", "fwd"))


def test_flat_leaf_write_refused(backend):
    """differs (TestFlat.test_contiguous/test_discontiguous: NumPy refuses writes through the
    flat iterator of a read-only array): a leaf Tensor that requires grad refuses in-place
    writes, through t.flat as any other; the values stay."""
    t = _tensor(A20)
    for v in (t, t[::2, ::2]):
        with pytest.raises(GradError):
            v.flat[4] = 100.0
    np.testing.assert_array_equal(to_numpy(t), A20)


def test_flat_iteration_and_attributes(backend):
    """test_index_getset, test___array__, test_flat_element_deletion."""
    t = _tensor(A20.reshape(2, 2, 5))
    it = t.flat
    assert it.base is t and it.index == 0 and it.coords == (0, 0, 0) and len(it) == 20
    with pytest.raises(AttributeError):
        it.index = 10
    vals = [float(to_numpy(v)) for v in it]
    assert vals == list(A20.flat) and it.index == 20
    c = ad.tensor(_dev(A20))
    np.testing.assert_array_equal(np.asarray(c.flat), A20.ravel())
    with pytest.raises(TypeError):
        np.asarray(t.flat)  # a Tensor that requires grad never becomes a constant silently
    with pytest.raises(TypeError):
        del t.flat[1]
    np.testing.assert_array_equal(to_numpy(t.flat.copy()), A20.ravel())


def test_flat_many_dims(backend):
    """differs (test_maxdims): NumPy's C flat iterator stops at 32 dimensions."""
    t = _tensor(np.ones((1,) * 40))
    assert float(to_numpy(t.flat[0])) == 1.0 and len(t.flat) == 1


RESIZES = [((5, 5),), (3,), (None,), (), ((),), (3, 2, 1), (2, 3, 3), ((0, 10),)]


@pytest.mark.parametrize("i", range(len(RESIZES)))
def test_tensor_resize(backend, i):
    """TestResize: t.resize(...) in place, NumPy's values (kept in C order, zeros after)."""
    args = RESIZES[i]
    for a0 in (np.eye(3), np.zeros((10, 0))):
        want = a0.copy()
        want.resize(*args, refcheck=False)
        t = ad.tensor(_dev(a0.copy()))
        assert t.resize(*args) is None
        _same(t, want, 0.0, args)


def test_tensor_resize_errors(backend):
    """TestResize.test_invalid_arguments, and the refusal of a Tensor being differentiated
    (differs: NumPy's refcheck refuses an array referenced elsewhere)."""
    for args, kw in [(("hi",), {}), ((-1,), {}), ((), {"order": 1}), ((), {"refcheck": "hi"})]:
        try:
            np.eye(3).resize(*args, **kw)
        except Exception as e:  # noqa: BLE001
            err = e
        with pytest.raises((type(err), *_builtin_of(err))):
            ad.tensor(_dev(np.eye(3))).resize(*args, **kw)
    with pytest.raises(RuntimeError):
        _tensor(np.eye(3)).resize(5, 1)
    t = ad.tensor(_dev(np.ones(1)))
    for _ in range(3):  # test_0d_shape
        t.resize(())
        assert t.shape == () and t.size == 1
        t.resize((1,))
        assert t.shape == (1,)


# ---- the map --------------------------------------------------------------------------------

_OBJ = "n/a: object arrays (gpuad has no object dtype; test_einsum_object_dtype_refused)"
_LD = "n/a: longdouble/clongdouble (no such dtype on the GPU)"
_LAYOUT = "n/a: memory layout flags (C/F contiguity) of NumPy's results"
_REF = "n/a: CPython reference counts and NumPy's refcheck of the array's references"
_SUMS = "here: test_values[einsum_sums_{0}_i_8], test_out[einsum_sums_{0}_matvec]"
_OPT = "here: test_values[{0}_0_greedy], test_grads[{0}_0_greedy]"
_FV = "here: test_values[{0}], test_grads[{0}]"

GAPS = (  # (upstream file, class, test, where its port is or why there is none)
    ("test_einsum", "TestEinsum", "test_einsum_errors",
     "here: test_values[einsum_errors_einsum_22_False]"),
    ("test_einsum", "TestEinsum", "test_einsum_sorting_behavior",
     "here: test_values[einsum_sorting_behavior_27]"),
    ("test_einsum", "TestEinsum", "test_einsum_specific_errors",
     "here: test_values[einsum_specific_errors_order_d]"),
    ("test_einsum", "TestEinsum", "test_einsum_object_errors", _OBJ),
    ("test_einsum", "TestEinsum", "test_einsum_views",
     "here: test_values[einsum_views_jii], test_einsum_view_writes_reach_the_operand"),
    *[("test_einsum", "TestEinsum", f"test_einsum_sums_{n}", _SUMS.format(n))
      for n in SUM_DTYPES],
    ("test_einsum", "TestEinsum", "test_einsum_sums_longdouble", _LD),
    ("test_einsum", "TestEinsum", "test_einsum_sums_clongdouble", _LD),
    ("test_einsum", "TestEinsum", "test_einsum_sums_object", _OBJ),
    ("test_einsum", "TestEinsum", "test_einsum_misc",
     "here: test_values[einsum_misc_gh2027], test_grads[einsum_misc_assignzero]"),
    ("test_einsum", "TestEinsum", "test_einsum_0d_out", "here: test_out[einsum_0d_out]"),
    ("test_einsum", "TestEinsum", "test_object_loop", _OBJ),
    ("test_einsum", "TestEinsum", "test_subscript_range",
     "here: test_values[subscript_range_52], test_grads[subscript_range_51]"),
    ("test_einsum", "TestEinsum", "test_einsum_broadcast",
     "here: test_values[einsum_broadcast_10_True], test_grads[einsum_broadcast_5_False]"),
    ("test_einsum", "TestEinsum", "test_einsum_fixedstridebug",
     "here: test_values[fixedstridebug]"),
    ("test_einsum", "TestEinsum", "test_einsum_fixed_collapsingbug",
     "here: test_out[einsum_fixed_collapsingbug]"),
    ("test_einsum", "TestEinsum", "test_einsum_failed_on_p9_and_s390x",
     "here: test_values[failed_on_p9_and_s390x], test_grads[failed_on_p9_and_s390x]"),
    ("test_einsum", "TestEinsum", "test_einsum_all_contig_non_contig_output",
     "here: test_out[einsum_all_contig_non_contig_output_3]"),
    ("test_einsum", "TestEinsum", "test_different_paths",
     "here: test_values[different_paths_e_four]"),
    ("test_einsum", "TestEinsum", "test_small_boolean_arrays",
     "here: test_out[small_boolean_arrays]"),
    ("test_einsum", "TestEinsum", "test_out_is_res",
     "here: test_out[out_is_res], test_out_overlapping_a_tensor_operand"),
    *[("test_einsum", "TestEinsum", f"test_{g}", _OPT.format(g))
      for g in ("hadamard_like_products", "index_transformations", "complex", "collapse",
                "expand", "edge_cases", "inner_product", "random_cases",
                "broadcasting_dot_cases", "singleton_broadcasting")],
    ("test_einsum", "TestEinsum", "test_combined_views_mapping",
     "here: test_values[combined_views_mapping], test_grads[combined_views_mapping_f]"),
    ("test_einsum", "TestEinsum", "test_output_order",
     "differs: order= is checked, the layout is the backend's; here: "
     "test_values[einsum_output_order]"),
    ("test_einsum", "TestEinsumPath", "test_memory_contraints",
     "here: test_values[memory_contraints_long_optimal]"),
    ("test_einsum", "TestEinsumPath", "test_long_paths",
     "here: test_values[long_paths_2_optimal]"),
    ("test_einsum", "TestEinsumPath", "test_edge_paths", "here: test_values[edge_paths_5]"),
    ("test_einsum", "TestEinsumPath", "test_path_type_input",
     "here: test_values[path_type_input_given_einsum], "
     "test_grads[path_type_input_given_einsum]"),
    ("test_einsum", "TestEinsumPath", "test_path_type_input_internal_trace",
     "here: test_values[path_type_input_internal_trace_einsum]"),
    ("test_einsum", "TestEinsumPath", "test_path_type_input_invalid",
     "here: test_values[path_type_input_invalid_1_einsum]"),
    ("test_einsum", "TestEinsumPath", "test_spaces", "here: test_values[spaces]"),
    ("test_einsum", "", "test_overlap", "here: test_out[overlap]"),
    ("test_einsum", "", "test_einsum_chunking_precision",
     "here: test_values[einsum_chunking_precision]"),
    ("test_pocketfft", "TestFFTShift", "test_fft_n", "here: test_values[fft_n]"),
    ("test_pocketfft", "TestFFT1D", "test_identity",
     "here: test_values[identity_34], test_grads[identity_7]"),
    ("test_pocketfft", "TestFFT1D", "test_identity_long_short",
     "here: test_values[identity_long_short_irfft_float32_31]"),
    ("test_pocketfft", "TestFFT1D", "test_identity_long_short_reversed",
     "here: test_values[identity_long_short_ifft_float64_5], "
     "test_grads[identity_long_short_rfft_float64_31]"),
    ("test_pocketfft", "TestFFT1D", "test_fft", _FV.format("fft_forward_None")),
    ("test_pocketfft", "TestFFT1D", "test_fft_out_argument",
     "here: test_out[fft_out_argument_irfft_1_True], test_fft_out_into_a_tensor"),
    ("test_pocketfft", "TestFFT1D", "test_fft_inplace_out",
     "here: test_out[fft_inplace_out_1_6], test_out_overlapping_a_tensor_operand"),
    ("test_pocketfft", "TestFFT1D", "test_fft_bad_out", "here: test_out[fft_bad_out_cast]"),
    ("test_pocketfft", "TestFFT1D", "test_ifft",
     "here: test_values[ifft_empty], test_values[ifft_ortho_60], test_grads[ifft_ortho_60]"),
    ("test_pocketfft", "TestFFT1D", "test_fft2", _FV.format("fft2_forward")),
    ("test_pocketfft", "TestFFT1D", "test_ifft2", _FV.format("ifft2_ortho")),
    ("test_pocketfft", "TestFFT1D", "test_fftn", _FV.format("fftn_forward")),
    ("test_pocketfft", "TestFFT1D", "test_ifftn", _FV.format("ifftn_backward")),
    ("test_pocketfft", "TestFFT1D", "test_rfft", _FV.format("rfft_forward_60")),
    ("test_pocketfft", "TestFFT1D", "test_rfft_even", "here: test_values[rfft_even]"),
    ("test_pocketfft", "TestFFT1D", "test_rfft_odd", "here: test_values[rfft_odd]"),
    ("test_pocketfft", "TestFFT1D", "test_irfft", _FV.format("irfft_ortho_7")),
    ("test_pocketfft", "TestFFT1D", "test_rfft2", _FV.format("rfft2_ortho")),
    ("test_pocketfft", "TestFFT1D", "test_irfft2", _FV.format("irfft2_forward")),
    ("test_pocketfft", "TestFFT1D", "test_rfftn",
     "here: test_values[rfftn_gh27159], test_grads[rfftn_repeated]"),
    ("test_pocketfft", "TestFFT1D", "test_irfftn",
     "here: test_values[irfftn_repeated], test_grads[irfftn_repeated]"),
    ("test_pocketfft", "TestFFT1D", "test_hfft", _FV.format("hfft_hermitian")),
    ("test_pocketfft", "TestFFT1D", "test_ihfft", _FV.format("ihfft_forward_7")),
    ("test_pocketfft", "TestFFT1D", "test_axes", "here: test_values[axes_irfftn_210]"),
    ("test_pocketfft", "TestFFT1D", "test_s_negative_1",
     "here: test_values[ifft2_s_negative_1]"),
    ("test_pocketfft", "TestFFT1D", "test_s_axes_none", "here: test_s_warnings"),
    ("test_pocketfft", "TestFFT1D", "test_s_axes_none_2D", "here: test_s_warnings"),
    ("test_pocketfft", "TestFFT1D", "test_s_contains_none", "here: test_s_warnings"),
    ("test_pocketfft", "TestFFT1D", "test_all_1d_norm_preserving",
     "here: test_values[ihfft_forward_60]"),
    ("test_pocketfft", "TestFFT1D", "test_fftn_out_argument",
     "here: test_out[fftn_out_argument_irfftn_None]"),
    ("test_pocketfft", "TestFFT1D", "test_fftn_out_and_s_interaction",
     "differs: out= is checked against the final result only; here: "
     "test_out[fftn_out_and_s_interaction_rfftn_bad]"),
    ("test_pocketfft", "TestFFT1D", "test_irfftn_out_and_s_interaction",
     "here: test_out[irfftn_out_and_s_interaction_3]"),
    ("test_pocketfft", "", "test_fft_with_order",
     "here: test_values[fft_with_order_ifftn_noncontig]"),
    ("test_pocketfft", "", "test_fft_output_order",
     "differs: the layout is the backend's; here: test_fft_output_order"),
    ("test_pocketfft", "TestFFTThreadSafe", "test_fft", "here: test_fft_thread_safe"),
    ("test_pocketfft", "TestFFTThreadSafe", "test_ifft", "here: test_fft_thread_safe"),
    ("test_pocketfft", "TestFFTThreadSafe", "test_rfft", "here: test_fft_thread_safe"),
    ("test_pocketfft", "TestFFTThreadSafe", "test_irfft", "here: test_fft_thread_safe"),
    ("test_pocketfft", "", "test_irfft_with_n_1_regression",
     "here: test_values[irfft_with_n_1_regression]"),
    ("test_pocketfft", "", "test_irfft_with_n_large_regression",
     "here: test_values[irfft_with_n_large_regression], "
     "test_grads[irfft_with_n_large_regression]"),
    ("test_pocketfft", "", "test_fft_with_integer_or_bool_input",
     "here: test_values[fft_with_integer_or_bool_input_irfft_bool]"),
    ("test_helper", "TestFFTShift", "test_definition",
     "here: test_values[fftshift_definition_lists], test_values[fftshift_square_all]"),
    ("test_helper", "TestFFTShift", "test_inverse", "here: test_values[inverse_fftshift_211]"),
    ("test_helper", "TestFFTShift", "test_axes_keyword",
     "here: test_values[ifftshift_square_01], test_grads[fftshift_square_01]"),
    ("test_helper", "TestFFTShift", "test_uneven_dims",
     "here: test_values[fftshift_uneven_l01], test_grads[ifftshift_uneven_1]"),
    ("test_helper", "TestFFTShift", "test_equal_to_original",
     "here: test_values[equal_to_original_ifftshift_15_2_None]"),
    ("test_helper", "TestFFTFreq", "test_definition", "here: test_values[fftfreq_9_1.0]"),
    ("test_helper", "TestRFFTFreq", "test_definition", "here: test_values[rfftfreq_10_1.0]"),
    ("test_helper", "TestIRFFTN", "test_not_last_axis_success",
     "here: test_values[not_last_axis_success], test_grads[irfftn_not_last_axis]"),
    ("test_multiarray", "TestMethods", "test_reshape",
     "here: test_values[reshape_F], test_grads[reshape_T_C], "
     "test_values[reshape_sizes_float_method]"),
    ("test_multiarray", "TestFlat", "test_contiguous",
     "differs: a leaf Tensor refuses in-place writes (no writeable flag); here: "
     "test_flat_leaf_write_refused"),
    ("test_multiarray", "TestFlat", "test_discontiguous",
     "differs: as test_contiguous; here: test_flat_leaf_write_refused"),
    ("test_multiarray", "TestFlat", "test___array__",
     "here: test_flat_iteration_and_attributes"),
    ("test_multiarray", "TestFlat", "test_refcount", _REF),
    ("test_multiarray", "TestFlat", "test_index_getset",
     "here: test_flat_iteration_and_attributes"),
    ("test_multiarray", "TestFlat", "test_maxdims",
     "differs: no 32-dimension limit; here: test_flat_many_dims"),
    ("test_multiarray", "", "test_flat_element_deletion",
     "here: test_flat_iteration_and_attributes"),
    ("test_multiarray", "TestWritebackIfCopy", "test_flatiter__array__",
     "n/a: NumPy's WRITEBACKIFCOPY flag of C-level temporary copies"),
    ("test_multiarray", "TestResize", "test_basic", "here: test_tensor_resize"),
    ("test_multiarray", "TestResize", "test_check_reference",
     "differs: a Tensor being differentiated refuses (RuntimeError); here: "
     "test_tensor_resize_errors"),
    ("test_multiarray", "TestResize", "test_check_reference_module_scope", _REF),
    ("test_multiarray", "TestResize", "test_check_reference_2", _REF),
    ("test_multiarray", "TestResize", "test_int_shape", "here: test_tensor_resize"),
    ("test_multiarray", "TestResize", "test_none_shape", "here: test_tensor_resize"),
    ("test_multiarray", "TestResize", "test_0d_shape", "here: test_tensor_resize_errors"),
    ("test_multiarray", "TestResize", "test_invalid_arguments",
     "here: test_tensor_resize_errors, test_values[np_resize_float]"),
    ("test_multiarray", "TestResize", "test_freeform_shape", "here: test_tensor_resize"),
    ("test_multiarray", "TestResize", "test_zeros_appended",
     "here: test_tensor_resize, test_grads[np_resize_233]"),
    ("test_multiarray", "TestResize", "test_obj_obj", _OBJ),
    ("test_multiarray", "TestResize", "test_obj_obj_shrinking", _OBJ),
    ("test_multiarray", "TestResize", "test_empty_view", "here: test_tensor_resize"),
    ("test_multiarray", "TestResize", "test_check_weakref", _REF),
    ("test_multiarray", "TestZeroSizeFlexible", "test_resize",
     "n/a: bytes, str and void dtypes"),
    ("test_multiarray", "TestSizeOf", "test_reshape", "n/a: sys.getsizeof of an ndarray"),
    ("test_multiarray", "TestSizeOf", "test_resize", "n/a: sys.getsizeof of an ndarray"),
    ("test_multiarray", "TestSizeOf", "test_resize_structured", "n/a: structured dtypes"),
    ("test_multiarray", "TestConversion", "test_array_scalar_relational_operation",
     "here: test_values[relational_Q_b], test_values[relational_b_d]"),
    ("test_multiarray", "TestConversion", "test_to_bool_scalar",
     "here: test_values[conversion_bool_two]"),
    ("test_multiarray", "TestConversion", "test_to_bool_scalar_not_convertible", _OBJ),
    ("test_multiarray", "TestConversion", "test_to_bool_scalar_size_errors",
     "here: test_values[conversion_bool_empty]"),
    ("test_multiarray", "TestConversion", "test_to_int_scalar",
     "differs: one-element Tensors convert (torch's rule); here: "
     "test_values[conversion_int_two], test_values[conversion_index_1d], "
     "test_one_element_tensor_conversions"),
    ("test_multiarray", "TestConversion", "test_to_float_scalar",
     "differs: as test_to_int_scalar; here: test_values[conversion_float_0d_int8], "
     "test_one_element_tensor_conversions"),
)

UPSTREAM_COUNTS = {"test_einsum": 54, "test_pocketfft": 41, "test_helper": 8,
                   "test_multiarray": 33}


def test_every_gap_has_a_mapping():
    keys = [(f, c, n) for f, c, n, _ in GAPS]
    assert len(keys) == len(set(keys)) == sum(UPSTREAM_COUNTS.values())
    for f, count in UPSTREAM_COUNTS.items():
        assert sum(1 for k in keys if k[0] == f) == count, f
    conf = Path(__file__).parent
    tables = {"test_values": CASES, "test_out": OUT_CASES,
              "test_grads": dict.fromkeys(GRAD_KEYS)}
    for _f, cls, name, where in GAPS:
        kind = where.split(":")[0]
        assert kind in ("here", "covered", "differs", "n/a"), (cls, name)
        for fn, param in re.findall(r"(test_\w+)(?:\[([\w.]+)\])?", where.split("here:")[-1]
                                    if "here:" in where else ""):
            assert fn in globals(), (name, fn)
            if param:
                assert param in tables[fn], (name, param)
        if kind in ("here", "differs") and kind == "here":
            assert re.search(r"here: test_\w+", where), (name, where)
        for path, fn in re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where):
            p = conf / path
            assert p.exists(), path
            assert f"def {fn}(" in p.read_text(), (name, path, fn)
        if kind == "covered":
            assert "::" in where, (name, where)


def test_upstream_method_counts_match_the_installed_numpy():
    """The counts above are those of the NumPy this compares with (2.4): its test files, where
    installed, have these methods."""
    import ast
    import importlib.util

    base = Path(importlib.util.find_spec("numpy").origin).parent
    files = {"test_einsum": base / "_core/tests/test_einsum.py",
             "test_pocketfft": base / "fft/tests/test_pocketfft.py",
             "test_helper": base / "fft/tests/test_helper.py"}
    for name, path in files.items():
        if not path.exists():
            pytest.skip("NumPy's tests are not installed")
        tree = ast.parse(path.read_text())
        found = set()
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                found |= {(node.name, m.name) for m in node.body
                          if isinstance(m, ast.FunctionDef) and m.name.startswith("test")}
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                found.add(("", node.name))
        mapped = {(c, n) for f, c, n, _ in GAPS if f == name}
        assert found == mapped, (name, sorted(found ^ mapped))
    assert math.isfinite(EPS)
