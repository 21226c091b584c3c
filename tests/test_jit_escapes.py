"""gpuad.jit over the op tables: no value computed from the traced arguments leaves the trace as
a raw backend array or a Python number.

Inside a function being traced, gpuad records what goes through its operations. NumPy's own
operators on a raw array (``r + 0``, ``r.astype(...)``, ``r[0]``) are not recorded: a raw array
computed from the arguments that gpuad hands to the function would be computed once, and every
replay would return the traced call's value. jit's post-trace check moves float arguments by
2^-7, which leaves integer and boolean results (argmax, comparisons, indices) unchanged, so only
a test like this one sees such a value frozen.

For each case the function runs under ``gpuad.jit``: inside the trace, every output leaf that
was computed from the arguments must be a Tensor; a NumPy operator is then applied to every
leaf, and the compiled function must equal the eager one on new arguments (whose integer
results differ). A case may instead refuse with a TracerError naming the user's line, only where
it is listed as refusing. The cases:

- every Spec of tests/diff_specs, all arguments traced, and (for several arguments) one traced
  with the others constants the function closes over;
- ``INT_CASES``: the integer- and boolean-valued functions the specs exempt (every exempt
  function has a case here or a reason in ``NO_CASE``), and lookups of constants at a traced
  index or mask;
- PyTorch's Tensor methods (the table of tests/test_torch_tensor_methods.py);
- gpuad.random with a traced key (every function of ``gpuad.random.__all__``).

CI runs every ``INT_CASES`` entry and a fixed-seed sample of the rest;
``GPUAD_JIT_ESCAPES_ALL=1`` runs every case.
"""

from __future__ import annotations

import math
import operator
import os
import random
import zlib

import numpy as np
import pytest
from conftest import to_numpy
from diff_specs import collect
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.masked as gmasked
import gpuad.numpy as gnp
import gpuad.numpy.polynomial as gpp
import gpuad.scipy.linalg as gsl
import gpuad.scipy.special as gsp
import gpuad.scipy.stats as gstats
from gpuad.jit import TracerError
from gpuad.jit import trace as _trace
from gpuad.tensor import Tensor

RUN_ALL = os.environ.get("GPUAD_JIT_ESCAPES_ALL") == "1"
SAMPLE = 8  # specs (and as many one-traced variants, and Tensor method cases) per backend
SPECS, EXEMPT = collect()
N = "gpuad.numpy."

# ---- the check ---------------------------------------------------------------------------------


def _touch(leaf):
    """A NumPy operator on ``leaf``: recorded on a Tensor, computed once on a raw array."""
    if hasattr(leaf, "dtype"):
        return leaf * 1 if leaf.dtype == bool else leaf + 0
    return leaf


def _host(x):
    if hasattr(x, "dtype") or isinstance(x, Tensor):
        return to_numpy(x)
    return x


def _same(got, want, what: str) -> None:
    assert len(got) == len(want), what
    for g, w in zip(got, want, strict=True):
        g, w = _host(g), _host(w)
        if not isinstance(w, np.ndarray):
            assert type(g) is type(w) and (g == w or g != g and w != w), (what, g, w)
            continue
        assert g.shape == w.shape and g.dtype == w.dtype, (what, g.shape, w.shape, g.dtype, w.dtype)
        if w.dtype.kind in "fc":
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(g, w, err_msg=what)


def check_no_escape(f, argsets, refuses: str | None = None, varies: bool = False) -> None:
    """``f`` under gpuad.jit: no output leaf computed from the arguments is a raw array inside
    the trace, and compiled equals eager on every argument list of ``argsets`` (backend
    arrays, all of one signature; the first is traced). ``refuses``: the case raises a
    TracerError instead (its reason). ``varies``: the eager results must differ between the
    argument lists (else comparing them checks nothing)."""
    escaped: list = []

    def traced(*a):
        leaves = ad.tree_flatten(f(*a))[0]
        tr = _trace.active()
        escaped.extend(
            f"leaf {k}: {type(x).__name__} {getattr(x, 'shape', '')}"
            for k, x in enumerate(leaves)
            if not isinstance(x, Tensor) and tr.is_array(x) and tr.from_args(x)
        )
        return [_touch(x) for x in leaves]

    def eager(*a):  # as jit hands them to f: array arguments as Tensors
        return [_touch(x) for x in ad.tree_flatten(f(*[Tensor(x) for x in a]))[0]]

    j = ad.jit(traced)
    with np.errstate(all="ignore"):
        try:
            first = j(*argsets[0])
        except TracerError as e:
            assert refuses, f"jit refused a case not listed as refusing: {e}"
            assert " at " in str(e), f"the TracerError names no line: {e}"
            return
        assert not refuses, f"listed as refusing ({refuses}) but compiled"
        assert not escaped, f"raw arrays computed from the arguments escaped the trace: {escaped}"
        wants = [eager(*a) for a in argsets]
        _same(first, wants[0], "traced call")
        for k, args in enumerate(argsets[1:], 1):
            _same(j(*args), wants[k], f"replay {k}")
    if varies:
        flat = [
            np.concatenate([np.ravel(np.asarray(_host(x), dtype=complex)) for x in w])
            for w in wants
        ]
        assert any(not np.array_equal(flat[0], x) for x in flat[1:]), (
            "the eager results do not differ between the argument lists: nothing is checked"
        )


def _dev(*arrays):
    xp = ad.get_backend().xp
    return [xp.asarray(a) for a in arrays]


# ---- integer- and boolean-valued functions (the specs' EXEMPT lists), constants at traced
# indices -------------------------------------------------------------------------------------

SORTED = np.linspace(-2.0, 2.0, 7)
TABLE = np.arange(6.0) * 1.5
CM = np.arange(12.0).reshape(3, 4) ** 1.5


def _v(rng):
    return (rng.standard_normal(6),)


def _m(rng):
    return (rng.standard_normal((3, 4)),)


def _vv(rng):
    return rng.standard_normal(6), rng.standard_normal(6)


def _i(rng):
    return (rng.integers(0, 6, 5),)


def _big(x):
    """``x`` with inf above 0.8, -inf below -0.8 and NaN near 0."""
    return gnp.where(
        x > 0.8, np.inf, gnp.where(x < -0.8, -np.inf, gnp.where(gnp.abs(x) < 0.3, np.nan, x))
    )


def case(name, fn, draw, refuses=None, varies=True):
    return pytest.param(fn, draw, refuses, varies, id=name.removeprefix(N))


_PY = "a Python value read from the traced values: refused"
INT_CASES = [
    case(N + "all", lambda x: gnp.all(x > -0.5, axis=0), _m),
    case(N + "any", lambda x: gnp.any(x > 0.5, axis=1), _m),
    *[
        case(N + n, lambda x, y, n=n: getattr(gnp, n)(gnp.round(x), gnp.round(y)), _vv)
        for n in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal")
    ],
    *[
        case(N + n, lambda x, y, n=n: getattr(gnp, n)(x > 0, y > 0), _vv)
        for n in ("logical_and", "logical_or", "logical_xor")
    ],
    case(N + "logical_not", lambda x: gnp.logical_not(x > 0), _v),
    *[
        case(N + n, lambda x, n=n: getattr(gnp, n)(_big(x)), _v)
        for n in ("isfinite", "isinf", "isnan", "isneginf", "isposinf")
    ],
    case(N + "isclose", lambda x, y: gnp.isclose(x, y, atol=0.8), _vv),
    case(N + "allclose", lambda x, y: gnp.allclose(x, y, atol=0.8), _vv, refuses=_PY),
    case(N + "array_equal", lambda x, y: gnp.array_equal(x > 0, y > 0), _vv, refuses=_PY),
    case(N + "array_equiv", lambda x, y: gnp.array_equiv(x > 0, y > 0), _vv, refuses=_PY),
    case(N + "argmax", lambda x: (gnp.argmax(x), gnp.argmax(x, axis=1)), _m),
    case(N + "argmin", lambda x: (gnp.argmin(x), gnp.argmin(x, axis=0)), _m),
    case(N + "argsort", lambda x: gnp.argsort(x, axis=1), _m),
    case(N + "argpartition", lambda x: gnp.argpartition(x, 2)[2], _v),
    case(N + "nanargmax", lambda x: gnp.nanargmax(x), _v),
    case(N + "nanargmin", lambda x: gnp.nanargmin(x), _v),
    case(N + "lexsort", lambda x, y: gnp.lexsort((gnp.round(x), y)), _vv),
    *[
        case(N + n, lambda x, n=n: getattr(gnp, n)(x > 0), _v, refuses="a value-shaped result")
        for n in ("nonzero", "argwhere", "flatnonzero")
    ],
    *[
        case(N + n, lambda x, n=n: getattr(gnp, n)(3.0 * x), _v)
        for n in ("ceil", "floor", "rint", "round", "trunc", "sign", "fix")
    ],
    case(N + "around", lambda x: gnp.around(3.0 * x, 1), _v),
    case(N + "floor_divide", lambda x, y: gnp.floor_divide(3.0 * x, y), _vv),
    case(N + "spacing", lambda x: gnp.spacing(x), _v, refuses="reads the values into Python"),
    case(N + "signbit", lambda x: gnp.signbit(x), _v),
    case(
        N + "count_nonzero",
        lambda x: (gnp.count_nonzero(x > 0), gnp.count_nonzero(x > 0, axis=0)),
        _m,
    ),
    case(N + "searchsorted", lambda x: gnp.searchsorted(gnp.asarray(SORTED), x), _v),
    case("searchsorted_traced_sorted", lambda x: gnp.searchsorted(gnp.sort(x), 0.1), _v),
    case(N + "digitize", lambda x: gnp.digitize(x, gnp.asarray(SORTED)), _v),
    case("digitize_traced_bins", lambda x: gnp.digitize(0.1, gnp.sort(x)), _v),
    case(N + "isin", lambda i: gnp.isin(i, gnp.asarray(np.array([1, 3]))), _i),
    *[
        case(N + n, lambda i, n=n: getattr(gnp, n)(i, 3), _i)
        for n in ("bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm", "left_shift")
    ],
    case(N + "right_shift", lambda i: gnp.right_shift(i, 1), _i),
    case(N + "invert", lambda i: gnp.invert(i), _i),
    case(N + "bitwise_count", lambda i: gnp.bitwise_count(i), _i),
    case(N + "packbits", lambda x: gnp.packbits(x > 0), _v),
    case(N + "unpackbits", lambda i: gnp.unpackbits(i.astype(np.uint8)), _i),
    case(N + "ravel_multi_index", lambda i: gnp.ravel_multi_index((i, 5 - i), (6, 6)), _i),
    case(N + "unravel_index", lambda i: gnp.unravel_index(i, (2, 3)), _i),
    case(N + "linalg.matrix_rank", lambda x: gnp.linalg.matrix_rank(x * (x[:1] > 0)), _m),
    case(N + "stop_gradient", lambda x: gnp.stop_gradient(x) > 0, _v),
    case("gpuad.scipy.special.gammasgn", lambda x: gsp.gammasgn(3.0 * x), _v),
    case(
        "bincount_minlength",
        lambda i: gnp.bincount(i, minlength=6),
        _i,
        refuses="the length of the result is the largest value",
    ),
    case("iscomplex_isreal", lambda x: (gnp.iscomplex(x), gnp.isreal(x)), _v, varies=False),
    # constants (closures, literals) at a traced index or mask
    case("take_const_at_argmax", lambda x: gnp.take(gnp.asarray(TABLE), gnp.argmax(x)), _v),
    case("take_const", lambda i: gnp.take(gnp.asarray(TABLE), i), _i),
    case(
        "take_along_const",
        lambda x: gnp.take_along_axis(gnp.asarray(CM), gnp.argsort(x, axis=1), axis=1),
        _m,
    ),
    case("getitem_const", lambda x: ad.tensor(gnp.asarray(TABLE))[gnp.argmax(x)], _v),
    case("where_consts", lambda x: gnp.where(x > 0, gnp.asarray(TABLE), -gnp.asarray(TABLE)), _v),
    case("where_numbers", lambda x: gnp.where(x > 0, 1.0, 2.0), _v),
    case("np_where_const", lambda x: np.where(x > 0, gnp.asarray(TABLE), 0.0), _v),
    case("select_const", lambda x: gnp.select([x > 0], [gnp.asarray(TABLE)], default=0.5), _v),
    case(
        "choose_wrap",
        lambda i: gnp.choose(i, [gnp.asarray(TABLE[:5]), -gnp.asarray(TABLE[1:])], mode="wrap"),
        _i,
    ),
    case("clip_const", lambda x: gnp.clip(gnp.asarray(TABLE), x[0], x[0] + 2.0), _v),
    case("interp_const", lambda x: gnp.interp(x, gnp.asarray(SORTED), gnp.asarray(SORTED**3)), _v),
    case("embedding_const", lambda i: ad.nn.functional.embedding(i % 4, gnp.asarray(CM.T)), _i),
    case("gpuad.nn.functional.one_hot", lambda i: ad.nn.functional.one_hot(i, 6), _i),
    case("masked_fill_const", lambda x: ad.tensor(gnp.asarray(TABLE)).masked_fill(x > 0, 0.0), _v),
    case("index_select_const", lambda i: ad.tensor(gnp.asarray(TABLE)).index_select(0, i), _i),
    case("gather_const", lambda i: ad.tensor(gnp.asarray(CM)).gather(1, (i[:3] % 4)[:, None]), _i),
    case("mul_const_mask", lambda x: gnp.asarray(TABLE) * (x > 0), _v),
    case("gpuad.masked.argmax", lambda x: gmasked.argmax(x, 1, mask=x > -0.5), _m),
    case("gpuad.masked.argmin", lambda x: gmasked.argmin(x, 0, mask=x < 0.5), _m),
    case(N + "bucketize", lambda x: gnp.bucketize(x, gnp.asarray(SORTED)), _v),
    case("gpuad.scipy.stats.bernoulli.ppf", lambda x: gstats.bernoulli.ppf(gnp.abs(x) % 1, 0.4),
         _v),
    case("gpuad.scipy.stats.rankdata", lambda x: gstats.rankdata(x), _v,
         refuses="ranks computed on the host"),
    case("gpuad.scipy.stats.mode", lambda i: gstats.mode(i).mode, _i,
         refuses="computed on the host"),
    case("gpuad.scipy.linalg.schur", lambda x: gsl.schur(x[:, :3])[0], _m),
    case("gpuad.scipy.linalg.hessenberg", lambda x: gsl.hessenberg(x[:, :3]), _m),
    case("gpuad.scipy.linalg.funm", lambda x: gsl.funm(x[:, :3] + 4 * gnp.eye(3), np.log), _m),
]

#: exempt functions without a case: why a traced argument cannot make them escape
_CONST = "makes constants from Python numbers and shapes: no array argument"
_QUERY = "a query of dtypes, shapes or types: no value of an array"
_DRAW = "draws from gpuad's global generator, which jit refuses (tests/test_jit.py)"
NO_CASE = {
    **{
        N + n: _CONST
        for n in (
            "arange",
            "bartlett",
            "blackman",
            "hamming",
            "hanning",
            "empty",
            "eye",
            "identity",
            "mgrid",
            "ogrid",
            "ones",
            "zeros",
            "tri",
            "indices",
            "diag_indices",
            "tril_indices",
            "triu_indices",
            "ix_",
            "ndindex",
            "mask_indices",
        )
    },
    **{
        N + n: "the indices of a shape: values do not depend on the argument's values"
        for n in ("diag_indices_from", "tril_indices_from", "triu_indices_from")
    },
    **{
        N + n: "its values do not depend on the argument's values (only its shape)"
        for n in ("empty_like", "ones_like", "zeros_like")
    },
    **{
        N + n: _QUERY
        for n in (
            "broadcast_shapes",
            "can_cast",
            "finfo",
            "iinfo",
            "isdtype",
            "issubdtype",
            "promote_types",
            "result_type",
            "shape",
            "ndim",
            "size",
            "iscomplexobj",
            "isrealobj",
            "isscalar",
            "iterable",
            "einsum_path",
            "common_type",
            "mintypecode",
        )
    },
    **{
        N + n: "printing: no array result"
        for n in ("array_repr", "array_str", "get_printoptions", "printoptions", "set_printoptions")
    },
    N + "binary_repr": "a string of an integer: no array result",
    N + "base_repr": "a string of an integer: no array result",
    N + "fromiter": "values read from a Python iterator: a constant, no traced input",
    **{k: _DRAW for k in EXEMPT if k.startswith(N + "random.")},
    "gpuad.scipy.stats.dirichlet.rvs": _DRAW,
    **{f"gpuad.scipy.linalg.{n}": _CONST for n in (
        "dft", "hadamard", "helmert", "hilbert", "invhilbert", "invpascal", "pascal")},
    **{f"gpuad.scipy.linalg.{n}": "a test of the values giving Python bools or ints: reads "
                                  "them (TracerError under jit)"
       for n in ("bandwidth", "ishermitian", "issymmetric")},
    **{f"gpuad.scipy.signal.windows.{n}": _CONST for n in (
        "bartlett", "blackman", "cosine", "hamming", "hann", "nuttall")},
    "gpuad.scipy.special.bernoulli": "Bernoulli numbers of an integer n: "
                                     "Python numbers in, constants out",
    N + "get_backend": "not an array function",
    "gpuad.scipy.optimize.minimize": "an eager host loop: raises TracerError under jit "
                                     "(tests/test_scipy_optimize.py)",
    N + "assign_inplace": "the engine's recorded write (tests/test_jit.py)",
    N + "normalize_index": "converts an index: not an array function",
    N + "iscomplex": "covered by the case iscomplex_isreal",
    N + "isreal": "covered by the case iscomplex_isreal",
}
_PB = {"polynomial": "poly", "chebyshev": "cheb", "legendre": "leg", "hermite": "herm",
       "hermite_e": "herme", "laguerre": "lag"}
NO_CASE.update({
    N + "frombuffer": "reads bytes: no array argument",
    N + "fromstring": "reads text: no array argument",
    N + "load": "reads a file: no array argument",
    N + "save": "writes a file (a traced value raises TracerError as .numpy() does)",
    N + "polynomial.set_default_printstyle": "sets how series print: no array argument",
    N + "polynomial.polyutils.format_float": "formats a Python number as text",
    N + "polynomial.legendre.legweight": "the constant 1: no value of x is read",
    N + "polynomial.chebyshev.chebpts1": _CONST,
    N + "polynomial.chebyshev.chebpts2": _CONST,
    **{N + f"polynomial.{m}.{p}gauss": _CONST for m, p in _PB.items() if m != "polynomial"},
})
_TRIMS = "which trailing coefficients are 0 (the result's length) is read: refused"


def _zeroed(x):
    return gnp.where(x > 0, 0.0, x)


def _trim_case(name: str, call):
    return case(N + name, lambda x: call(_zeroed(x)), _v, refuses=_TRIMS)


INT_CASES += [
    *[_trim_case(f"polynomial.{m}.{p}trim", getattr(getattr(gpp, m), p + "trim"))
      for m, p in _PB.items()],
    _trim_case("polynomial.polyutils.as_series", lambda c: gpp.polyutils.as_series([c])),
    _trim_case("polynomial.polyutils.trimseq", gpp.polyutils.trimseq),
    _trim_case("polynomial.polyutils.trimcoef", gpp.polyutils.trimcoef),
]
NO_CASE[N + "ndenumerate"] = "an iterator of (index, element): each element is a recorded getitem"
NO_CASE[N + "lib.stride_tricks.as_strided"] = "refused on Tensors (arbitrary byte strides)"


def test_every_exempt_function_has_a_case_or_a_reason():
    covered = {p.id for p in INT_CASES}
    missing = sorted(n for n in EXEMPT if n.removeprefix(N) not in covered and n not in NO_CASE)
    assert not missing, (
        f"exempt functions with neither a case in INT_CASES nor a NO_CASE "
        f"reason: {', '.join(missing)}"
    )


@pytest.mark.parametrize("fn,draw,refuses,varies", INT_CASES)
def test_integer_and_boolean_results_stay_recorded(backend, fn, draw, refuses, varies):
    argsets = [_dev(*draw(np.random.default_rng(s))) for s in range(4)]
    check_no_escape(fn, argsets, refuses, varies)


# ---- every Spec: all arguments traced, or one traced and the others constants ----------------

_REFUSE_SPECS = {
    N + "piecewise",
    N + "asarray_chkfinite",
    N + "roots",
    N + "polydiv",
    N + "trim_zeros",
    "gpuad.nn.functional.dropout",
}
_REFUSE_SPECS |= {
    N + k
    for k in (
        "intersect1d",
        "union1d",
        "setdiff1d",
        "setxor1d",
        "unique",
        "unique_values",
        "unique_counts",
        "unique_inverse",
        "unique_all",
    )
}


def _jit_refusing() -> set[str]:
    """The specs tests/test_differentiable_all.py lists as refused by gpuad.jit (draws, pivots
    or sizes read on the host, value-dependent shapes), each with its reason there."""
    from test_differentiable_all import JIT_READS, JIT_REFUSES, JIT_SKIP

    return set(JIT_SKIP) | set(JIT_REFUSES) | set(JIT_READS)


_JIT_REFUSING = _jit_refusing()


def _spec_params(one_traced: bool):
    count: dict[str, int] = {}
    params = []
    for spec in SPECS:
        k = count[spec.name] = count.get(spec.name, 0) + 1
        sid = spec.name if k == 1 else f"{spec.name}#{k}"
        params.append(pytest.param(spec, id=sid))
    if one_traced:
        params = [p for p in params if len(p.values[0].args(np.random.default_rng(0))) > 1]
    if RUN_ALL:
        return params
    return random.Random(5 + one_traced).sample(params, SAMPLE)


def _spec_case(spec, all_traced: bool = True):
    name = spec.name
    if ad.get_backend().name == "cupy" and (name == "gpuad.scipy.linalg.sqrtm" or cupy_lacks(name)):
        pytest.skip("CuPy lacks the function (tests/test_differentiable_all.py)")
    seed = zlib.crc32(name.encode())
    sets = [spec.args(np.random.default_rng(seed + s)) for s in range(3)]
    shapes = [[np.shape(a) for a in s] for s in sets]
    sets = [s for s, sh in zip(sets, shapes, strict=True) if sh == shapes[0]]
    refuses = (
        "draws or reads values that fix a shape"
        if (name in _REFUSE_SPECS or name.startswith(N + "random.")
            or all_traced and name in _JIT_REFUSING)
        else None
    )
    return sets, refuses


@pytest.mark.parametrize("spec", _spec_params(False))
def test_specs_with_traced_arguments(backend, spec):
    sets, refuses = _spec_case(spec)
    check_no_escape(spec.fn, [_dev(*s) for s in sets], refuses)


@pytest.mark.parametrize("spec", _spec_params(True))
def test_specs_with_one_traced_argument_and_constants(backend, spec):
    sets, refuses = _spec_case(spec, all_traced=False)
    k = zlib.crc32(spec.name.encode()) % len(sets[0])
    consts = _dev(*sets[0])

    def f(x):  # argument k traced, the others the function's constants
        return spec.fn(*[x if i == k else c for i, c in enumerate(consts)])

    if spec.name in _JIT_REFUSING:  # refused with all traced; with one, it may compile
        try:
            with np.errstate(all="ignore"):
                ad.jit(f)(_dev(sets[0][k])[0])
        except TracerError:
            pytest.skip("refused by jit as with every argument traced")
    try:
        check_no_escape(f, [_dev(s[k]) for s in sets], refuses)
    except TracerError:
        pytest.skip("the traced value is a branch or a shape of the spec's function")


# ---- PyTorch's Tensor methods ------------------------------------------------------------------


#: Tensor method cases that jit refuses, with the reason
METHOD_REFUSES = {
    "allclose_equal": "reads a Python bool from the traced values",
    "masked_select": "a boolean mask the function makes: the result's shape follows its values",
}


def _method_cases():
    from test_torch_tensor_methods import CASES, _Lib

    cases = [c for c in CASES if c.values[1]]  # (those without a tensor input: nothing traced)
    if not RUN_ALL:
        cases = random.Random(7).sample(cases, SAMPLE)
    return [pytest.param(*c.values[:3], _Lib, METHOD_REFUSES.get(c.id), id=c.id) for c in cases]


@pytest.mark.parametrize("fn,shapes,pos,lib,refuses", _method_cases())
def test_tensor_methods(backend, fn, shapes, pos, lib, refuses):
    def draw(rng):
        return [rng.uniform(0.5, 2.0, s) if pos else rng.standard_normal(s) for s in shapes]

    argsets = [_dev(*draw(np.random.default_rng(s))) for s in range(3)]
    check_no_escape(lambda *xs: fn(*xs, lib("gpuad")), argsets, refuses)


# ---- gpuad.random with a traced key -----------------------------------------------------------

_R = ad.random
_COV = np.array([[2.0, 0.3], [0.3, 1.0]])
RANDOM_CASES = {
    "split": lambda k: _R.split(k, 3),
    "fold_in": lambda k: _R.fold_in(k, 7),
    "key_data": lambda k: _R.key_data(k),
    "normal": lambda k: _R.normal(k, (3,)),
    "uniform": lambda k: _R.uniform(k, (3,), minval=-1.0, maxval=2.0),
    "bernoulli": lambda k: _R.bernoulli(k, 0.5, (8,)),
    "categorical": lambda k: _R.categorical(k, gnp.zeros(6), shape=(4,)),
    "randint": lambda k: _R.randint(k, (5,), 0, 10),
    "permutation": lambda k: (_R.permutation(k, 6), _R.permutation(k, gnp.asarray(TABLE))),
    "choice": lambda k: (_R.choice(k, 6, (3,)), _R.choice(k, gnp.asarray(TABLE), (4,))),
    "truncated_normal": lambda k: _R.truncated_normal(k, -1.0, 1.0, (3,)),
    "gumbel": lambda k: _R.gumbel(k, (3,)),
    "exponential": lambda k: _R.exponential(k, (3,)),
    "multivariate_normal": lambda k: _R.multivariate_normal(
        k, gnp.zeros(2), gnp.asarray(_COV), (3,)
    ),
    "rademacher": lambda k: _R.rademacher(k, (8,)),
    "laplace": lambda k: _R.laplace(k, (3,)),
    "logistic": lambda k: _R.logistic(k, (3,)),
    # the gamma family, discrete samplers and transformations (tests/test_random_samplers.py)
    "gamma": lambda k: _R.gamma(k, gnp.asarray(np.array([0.3, 2.0])), (3, 2)),
    "loggamma": lambda k: _R.loggamma(k, 0.1, (3,)),
    "beta": lambda k: _R.beta(k, 2.0, 3.0, (3,)),
    "dirichlet": lambda k: _R.dirichlet(k, gnp.asarray(np.array([1.0, 2.0])), (3,)),
    "chisquare": lambda k: _R.chisquare(k, 3.0, (3,)),
    "t": lambda k: _R.t(k, 4.0, (3,)),
    "f": lambda k: _R.f(k, 3.0, 5.0, (3,)),
    "poisson": lambda k: _R.poisson(k, 4.0, (8,)),
    "binomial": lambda k: _R.binomial(k, 9, 0.5, (8,)),
    "geometric": lambda k: _R.geometric(k, 0.3, (8,)),
    "cauchy": lambda k: _R.cauchy(k, (3,)),
    "lognormal": lambda k: _R.lognormal(k, 0.5, (3,)),
    "pareto": lambda k: _R.pareto(k, 2.0, (3,)),
    "weibull_min": lambda k: _R.weibull_min(k, 1.0, 2.0, (3,)),
    "rayleigh": lambda k: _R.rayleigh(k, 1.0, (3,)),
    "maxwell": lambda k: _R.maxwell(k, (3,)),
    "double_sided_maxwell": lambda k: _R.double_sided_maxwell(k, 0.0, 1.0, (3,)),
    "triangular": lambda k: _R.triangular(k, 0.0, 0.2, 1.0, (3,)),
    "generalized_normal": lambda k: _R.generalized_normal(k, 1.5, (3,)),
    "ball": lambda k: _R.ball(k, 2, shape=(3,)),
    "orthogonal": lambda k: _R.orthogonal(k, 3),
    "wald": lambda k: _R.wald(k, 1.5, (3,)),
    "multinomial": lambda k: _R.multinomial(k, 9, gnp.asarray(np.array([0.2, 0.3, 0.5]))),
    "bits": lambda k: _R.bits(k, (3,), np.uint32),
    "wrap_key_data": lambda k: _R.wrap_key_data(k),
    "clone": lambda k: _R.clone(k),
}
RANDOM_NO_CASE = {
    "PRNGKey": "makes a key from a Python seed",
    "key": "makes a key from a Python seed",
}


def test_every_random_function_has_a_case():
    missing = set(_R.__all__) - set(RANDOM_CASES) - set(RANDOM_NO_CASE)
    assert not missing, f"gpuad.random functions without a case: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(RANDOM_CASES))
def test_random_with_a_traced_key(backend, name):
    keys = [[_R.PRNGKey(s)] for s in range(3)]
    check_no_escape(RANDOM_CASES[name], keys, varies=True)


# ---- Python values read from traced values: refused, naming the line -----------------------

READS = {
    "int": lambda x: int(gnp.argmax(x)),
    "float": lambda x: float(gnp.sum(x)),
    "bool": lambda x: bool(gnp.any(x > 1.0)),
    "complex": lambda x: complex(x[0]),
    "index": lambda x: operator.index(gnp.argmax(x)),
    "list_index": lambda x: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0][gnp.argmax(x)],
    "range": lambda x: list(range(gnp.argmax(x))),
    "if": lambda x: 1.0 if x[0] > 0 else 2.0,
    "max_builtin": lambda x: max(x[0], x[1]),
    "floor": lambda x: math.floor(x[0]),
    "format": lambda x: f"{x[0]:.3f}",
    "item": lambda x: gnp.argmax(x).item(),
    "tolist": lambda x: (x > 0).tolist(),
    "np_asarray": lambda x: np.asarray(gnp.argsort(x)),
    "np_array": lambda x: np.array(x > 0),
    "np_int64": lambda x: np.int64(gnp.argmax(x)),
    "numpy": lambda x: gnp.argmax(x).numpy(),
    "len_nonzero": lambda x: len(gnp.nonzero(x > 0)[0]),
    "torch_equal": lambda x: x.equal(x * (x > 0)),
    "torch_allclose": lambda x: x.allclose(x * (x > 0)),
}


@pytest.mark.parametrize("name", sorted(READS))
def test_python_values_of_traced_values_are_refused_naming_the_line(backend, name):
    fn = READS[name]
    x = _dev(np.random.default_rng(0).standard_normal(6))[0]
    with pytest.raises(TracerError) as info:
        ad.jit(fn)(x)
    assert f"test_jit_escapes.py:{fn.__code__.co_firstlineno}" in str(info.value)


# ---- the escapes found and fixed: compiled equals eager where the integer results differ ----

FIXED = {
    "where_mask": lambda x: gnp.where(x > 0, gnp.asarray(TABLE), 0.0).astype(np.int64),
    "where_numbers": lambda x: gnp.where(x > 0, 1.0, 2.0) + 0,
    "np_where": lambda x: np.where(x > 0, gnp.asarray(TABLE), 0.0) * 2,
    "select": lambda x: gnp.select([x > 0], [gnp.asarray(TABLE)]) + 0,
    "isclose": lambda x: gnp.isclose(x, 0.5, atol=0.6) * 1,
    "digitize": lambda x: gnp.digitize(x, gnp.asarray(SORTED)) + 0,
    "np_digitize": lambda x: np.digitize(x, gnp.asarray(SORTED)) + 0,
    "isin": lambda x: gnp.isin(gnp.argsort(x), gnp.asarray(np.array([1, 3]))) * 1,
    "lexsort": lambda x: gnp.lexsort((x,)) + 0,
    "packbits": lambda x: gnp.packbits(x > 0) + 0,
    "unpackbits": lambda x: gnp.unpackbits(gnp.packbits(x > 0)) + 0,
    "unravel_index": lambda x: gnp.unravel_index(gnp.argmax(x), (2, 3))[1] + 0,
    "ravel_multi_index": lambda x: gnp.ravel_multi_index((gnp.argsort(x),), (6,)) + 0,
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_fixed_escapes_replay_new_values(backend, name):
    argsets = [_dev(np.random.default_rng(s).standard_normal(6)) for s in range(4)]
    check_no_escape(FIXED[name], argsets, varies=True)
