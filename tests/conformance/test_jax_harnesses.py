"""JAX's own primitive test harnesses, run with ``gpuad.lax`` and compared with ``jax.lax``.

``jax._src.internal_test_util.test_harnesses.all_harnesses`` holds about 7500 use cases of
JAX's primitives (132 groups: ``dot_general``, ``conv_general_dilated``, ``gather``, the
scatters, ``pad``, the windowed reductions, the scans, ``sort``, ``top_k``, the elementwise
functions, conversions, ...), each a function, argument descriptors and a random-argument
maker. They are JAX's definition of what each primitive must handle.

The port. A harness's function is written against JAX's primitives (``prim.bind``,
``partial(lax.scatter_add, mode=...)``, lambdas over ``jnp``), so it is not rewritten by hand:
``jax.make_jaxpr`` lowers it to the primitives it binds with their parameters, and
``_jaxpr_to_gpuad.eval_jaxpr`` runs those with the ``gpuad.lax`` function of the same name,
given the same parameters through gpuad's public arguments (gather/scatter dimension numbers
and modes, convolution layouts, padding configurations, the reduction's computation run by the
same interpreter, ...). What is compared is therefore exactly the primitive JAX's harness
exercises, with JAX's argument values. The result is an ordinary gpuad function.

Each harness (JAX's CPU-unimplemented ones dropped, as JAX's own tests drop them) is compared
in up to four ways, on the arguments JAX's ``dyn_args_maker`` draws:

- ``value``: every output, dtype and shape equal, integers and booleans bit for bit, floats
  bit for bit where the op copies, selects or rounds exactly (``BITWISE_GROUPS``), else within
  a tolerance of their dtype (``TOL``), NaN where JAX has NaN;
- ``vjp`` and ``jvp`` for the floating and complex arguments and outputs, with a random
  cotangent/tangent, against ``jax.vjp``/``jax.jvp`` (gpuad's complex cotangents are the
  conjugates of JAX's: ``vjp_gpuad(g) = conj(vjp_jax(conj(g)))``, docs/porting.md);
- ``vmap`` over a new leading axis of the first dynamic argument (two draws stacked).

Harnesses are sampled deterministically (``_sample``): within a group, harnesses whose names
differ only in the dtype (or in JAX's ``enable_xla`` flag, which is for jax2tf) are one *kind*,
taken in the widest float dtype it is defined for; every *family* of kinds (the leading word of
the names: ``dtypes``, ``broadcasting``, ``modes_out_of_bounds``, ``batch_dimensions``, ...)
and every dtype of each group is run at least once (the harnesses added for a dtype without
``vmap`` and ``jvp``), and every ``GPUAD_HARNESS_EVERY``-th (default 8) of the remaining kinds.
``GPUAD_HARNESS_ALL=1`` runs every harness (about 5900; some minutes), and
``GPUAD_HARNESS_REPORT=1`` prints what was compared, refused and skipped.

What is not compared number for number, each with its reason in a table below:
``SKIPPED_DTYPES`` (dtypes gpuad has no arithmetic for); ``REFUSED`` (groups gpuad.lax does not
provide, the refusal checked to be a clear error); ``COMPARED_ELSEWHERE`` (groups with their
own suites); ``NOT_COMPARABLE`` (JAX's random bits and
its internal primitives); ``REFUSED_STAGES`` (a derivative gpuad refuses with a clear error);
``NOT_COMPARED_STAGES`` and ``_unspecified_outputs`` (results lax leaves open). Where JAX's own
derivative is wrong (``JAX_WRONG``) gpuad's is checked by central differences instead; where
JAX's derivative does not follow the value it computed (out-of-range gathers and scatters in
PROMISE_IN_BOUNDS mode, ``MODE_SPELLED_GROUPS``) it is compared with JAX's of the same program
with the mode spelled out. A harness whose jaxpr binds a primitive without a rule fails unless
its group is listed.
"""

from __future__ import annotations

import functools
import os
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad import lax

jax = pytest.importorskip("jax")
pytest.importorskip("absl")

from _jaxpr_to_gpuad import NoRule, as_gpuad, primitives  # noqa: E402


def _load_harnesses():
    before = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)  # the dtype lists include the 64-bit ones
    try:
        from jax._src.internal_test_util import test_harnesses as th
    finally:
        jax.config.update("jax_enable_x64", before)
    return th.all_harnesses


ALL = _load_harnesses()


@pytest.fixture(scope="module", autouse=True)
def _x64():
    """float64 in JAX for this module only, and XLA's quick compile of these small programs."""
    before = jax.config.read("jax_enable_x64"), jax.config.read("jax_disable_most_optimizations")
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_disable_most_optimizations", True)
    yield
    jax.config.update("jax_enable_x64", before[0])
    jax.config.update("jax_disable_most_optimizations", before[1])


# ---- what is not compared, and why -------------------------------------------------------------

SKIPPED_DTYPES: dict[str, str] = {
    "bfloat16": "no NumPy dtype (ml_dtypes' type); gpuad's backends have no bfloat16 arithmetic",
    "float16": "gpuad documents no half precision; NumPy computes float16 in float16 where "
               "XLA's CPU kernels compute in float32 and round, so the numbers differ by design",
}

# group: (why, the refusal checked to be a clear error: a callable raising it)
REFUSED: dict[str, tuple[str, str]] = {
    "approx_top_k": ("gpuad.lax has no approx_max_k/approx_min_k", "approx_max_k"),
    "rng_bit_generator": ("gpuad.lax has no rng_bit_generator; gpuad.random keys are "
                          "gpuad's own", "rng_bit_generator"),
}

# groups gpuad.lax provides, compared with jax.lax by their own suites rather than through the
# jaxpr translator (which has no rule for their primitives): group -> (gpuad.lax name, suite)
COMPARED_ELSEWHERE: dict[str, tuple[str, str]] = {
    "custom_linear_solve": ("custom_linear_solve", "test_jax_solvers_suite.py"),
    **{g: ("linalg." + g, "test_jax_lax_linalg_suite.py")
       for g in ("cholesky", "eig", "eigh", "lu", "qr", "svd", "triangular_solve",
                 "tridiagonal_solve")},
}

NOT_COMPARABLE: dict[str, str] = {
    **{g: "jax.random's bits: gpuad.random draws other numbers for the same key (documented)"
       for g in ("random_categorical", "random_gamma", "random_randint", "random_split",
                 "random_uniform", "iota_2x32_shape")},
    "select_and_scatter_add": "JAX-internal primitive (reduce_window max/min's transpose), no "
                              "jax.lax function; covered by the reduce_window_max/min vjps",
    "select_and_gather_add": "JAX-internal primitive (reduce_window max/min's JVP), no jax.lax "
                             "function; covered by the reduce_window_max/min jvps",
}


def _dtype_name(dt) -> str:
    try:
        return np.dtype(dt).name
    except TypeError:
        return str(dt)


def _kind(h) -> str:
    name = re.sub(r"_?enable_?xla[=_]?(True|False)", "", h.name)
    dn = _dtype_name(h.dtype)
    return re.sub(rf"(?<![a-z0-9]){dn}(?![0-9])", "T", name)


_PREF = ["float64", "complex128", "float32", "complex64", "int32", "int64"]
EVERY = int(os.environ.get("GPUAD_HARNESS_EVERY", "8"))  # of the remaining kinds, run every k-th


def _family(h) -> str:
    """The leading word of a harness's name: what JAX's harness list varies there (``dtypes``,
    ``broadcasting``, ``modes_out_of_bounds``, ``batch_dimensions``, ``padding``, ...)."""
    return re.split(r"_shape|_lhs|_rhs|_operand|_axis|_indices_name|_dtype_|_op_shape",
                    h.name)[0]


def _sample(harnesses):
    """Every family and every dtype of each group once; of the other kinds every EVERY-th."""
    # JAX lists some harnesses in a set's order, which changes with the hash seed (pytest-xdist
    # workers must collect the same tests)
    harnesses = sorted(harnesses, key=lambda h: h.fullname)
    if os.environ.get("GPUAD_HARNESS_ALL"):
        return list(harnesses)
    by_kind: dict = {}
    for h in harnesses:
        by_kind.setdefault((h.group_name, _kind(h)), []).append(h)
    kinds = []
    for hs in by_kind.values():
        hs = sorted(hs, key=lambda h: (_PREF.index(_dtype_name(h.dtype))
                                       if _dtype_name(h.dtype) in _PREF else len(_PREF)))
        kinds.append(hs[0])
    keep, seen, count = {}, set(), {}
    for h in kinds:
        fam = (h.group_name, _family(h))
        count[h.group_name] = count.get(h.group_name, -1) + 1
        if fam not in seen or count[h.group_name] % EVERY == 0:
            seen.add(fam)
            keep[h.fullname] = h
    seen = {(h.group_name, _dtype_name(h.dtype)) for h in keep.values()}
    for h in harnesses:
        key = (h.group_name, _dtype_name(h.dtype))
        if key not in seen:
            seen.add(key)
            keep[h.fullname] = h
            DTYPE_ONLY.add(h.fullname)
    return [h for h in harnesses if h.fullname in keep]


# harnesses run only for their dtype: their value and vjp are compared (not vmap, which no
# dtype changes, nor jvp, the same rule as the vjp)
DTYPE_ONLY: set = set()


def _skip_reason(h) -> str | None:
    if not h.filter("cpu"):
        return "JAX marks it unimplemented on CPU"
    for dt, why in SKIPPED_DTYPES.items():  # the operand's dtype, or a target dtype named
        if _dtype_name(h.dtype) == dt or re.search(rf"(?<![a-z]){dt}", h.name):
            return f"dtype {dt}: {why}"
    if h.group_name in NOT_COMPARABLE:
        return NOT_COMPARABLE[h.group_name]
    return None


RUN = [h for h in ALL if _skip_reason(h) is None and h.group_name not in REFUSED
       and h.group_name not in COMPARED_ELSEWHERE]
SAMPLED = _sample(RUN)
COUNTS: dict = {"compared": 0, "stages": {}}


# ---- tolerances ----------------------------------------------------------------------------------

TOL = {"float32": 2e-6, "complex64": 2e-6, "float64": 1e-13, "complex128": 1e-13}
# (group, stage): tolerance for float32/complex64 and float64/complex128, and why
TOL_OVERRIDE: dict[tuple[str, str], tuple[float, float, str]] = {
    ("regularized_incomplete_beta", "value"): (
        3e-5, 1e-13, "XLA evaluates betainc's continued fraction in float32, gpuad in float64 "
                     "and rounds: about 1e-5 apart (relative) in float32"),
}


def _tol(group, stage, dtype) -> float:
    wide = np.dtype(dtype).itemsize * (2 if np.dtype(dtype).kind == "f" else 1) >= 16
    over = TOL_OVERRIDE.get((group, stage)) or TOL_OVERRIDE.get((group, "*"))
    if over:
        return over[1] if wide else over[0]
    base = TOL[np.dtype(dtype).name]
    return base if stage == "value" else base * 50


def _compare(h, stage, got, want, inputs=()):
    """``inputs``: the floating dtypes of the arguments (the tolerance is the narrowest's)."""
    got = [np.asarray(to_numpy(g)) for g in got]
    want = [np.asarray(w) for w in want]
    where = f"{h.fullname} [{stage}]"
    assert len(got) == len(want), f"{where}: {len(got)} outputs, JAX {len(want)}"
    skip = _unspecified_outputs(h) if stage in ("value", "vmap") else set()
    for j, (g, w) in enumerate(zip(got, want, strict=True)):
        if j in skip:
            continue
        at = f"{where} output {j}"
        assert g.shape == w.shape, f"{at}: shape {g.shape} != JAX's {w.shape}"
        assert g.dtype == w.dtype, f"{at}: dtype {g.dtype} != JAX's {w.dtype}"
        exact = stage == "value" and h.group_name in BITWISE_GROUPS and not (
            h.group_name in ("abs", "sign") and _dtype_name(h.dtype).startswith("complex"))
        if w.dtype.kind in "biu" or exact:
            np.testing.assert_array_equal(g, w, err_msg=at)
            continue
        # the narrowest of the result's and the operands' dtypes: JAX may compute a result it
        # widens (preferred_element_type, mixed operands) in the operands' precision
        narrow = max([w.dtype, *inputs], key=lambda d: np.finfo(d).eps)
        t = _tol(h.group_name, stage, narrow)
        fin = np.isfinite(w)
        scale = max(1.0, float(np.max(np.abs(w[fin]), initial=0.0)))
        np.testing.assert_allclose(g, w, rtol=t, atol=t * scale, equal_nan=True, err_msg=at)


# groups whose floating values are copies or exact: compared bit for bit
BITWISE_GROUPS = {
    "abs", "neg", "sign", "ceil", "floor", "round", "is_finite", "real", "imag", "conj",
    "complex", "reshape", "rev", "broadcast_in_dim", "concatenate", "transpose", "squeeze",
    "slice", "pad", "dynamic_slice", "dynamic_update_slice", "gather", "scatter", "select_n",
    "clamp", "max", "min", "reduce_max", "reduce_min", "reduce_window_max", "reduce_window_min",
    "cummax", "cummin", "sort", "top_k", "convert_element_type", "bitcast_convert_type",
    "reduce_precision", "stop_gradient", "device_put", "iota", "nextafter", "scatter_max",
    "scatter_min",
}


# ---- running one harness -------------------------------------------------------------------------


def _rng(h, k=0):
    return np.random.RandomState(zlib.crc32(h.fullname.encode()) % 2**31 + k)


def _is_float(dt) -> bool:
    return np.dtype(dt).kind in "fc"


def _random_like(r, x):
    x = np.asarray(x)
    out = r.standard_normal(x.shape)
    if x.dtype.kind == "c":
        out = out + 1j * r.standard_normal(x.shape)
    return out.astype(x.dtype)


@dataclass
class Prepared:
    """One harness with its arguments, jaxpr, differentiated positions and random directions."""

    h: object
    args: list
    closed: object
    diff: list  # positions of the floating/complex arguments differentiated
    float_out: list  # which outputs are floating/complex
    cts: list
    tans: list
    batched: object | None  # the first argument, two draws stacked (None: no vmap)


@functools.cache
def _prepared(i) -> Prepared:
    h = SAMPLED[i]
    args = [np.asarray(a) if isinstance(a, np.ndarray | np.generic) else a
            for a in h.dyn_args_maker(_rng(h))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        closed = jax.make_jaxpr(h.dyn_fun)(*args)
    float_out = [_is_float(v.aval.dtype) for v in closed.jaxpr.outvars]
    diff = [k for k, a in enumerate(args) if hasattr(a, "dtype") and _is_float(a.dtype)]
    if not any(float_out):
        diff = []
    r = np.random.RandomState(5)
    cts = [_random_like(r, np.zeros(v.aval.shape, v.aval.dtype))
           for v, fl in zip(closed.jaxpr.outvars, float_out, strict=True) if fl]
    tans = [_random_like(r, args[k]) for k in diff]
    batched = None
    if args and hasattr(args[0], "shape") and h.fullname not in DTYPE_ONLY:
        other = np.asarray(h.dyn_args_maker(_rng(h, 1))[0])
        batched = np.stack([np.asarray(args[0]), other])
    return Prepared(h, args, closed, diff, float_out, cts, tans, batched)


def _stages(p: Prepared, M) -> dict:
    """{stage: thunk(args, cts, tans, batched)} for gpuad (``M is None``) or JAX."""
    if M is None:
        g = as_gpuad(p.closed)
        leaves, vjp, jvp, vmap = list, ad.vjp, ad.jvp, ad.vmap
    else:
        g = p.h.dyn_fun
        leaves, vjp, jvp, vmap = jax.tree_util.tree_leaves, jax.vjp, jax.jvp, jax.vmap
    out = {"value": lambda a, c, t, b: leaves(g(*a))}
    if M is not None and p.h.group_name in MODE_SPELLED_GROUPS:
        g = _spelled_modes(p.closed)  # for the derivatives only
    if p.diff:
        def sub(a):
            def fn(*d):
                full = list(a)
                for i, x in zip(p.diff, d, strict=True):
                    full[i] = x
                return [y for y, fl in zip(leaves(g(*full)), p.float_out, strict=True) if fl]
            return fn

        def vjp_stage(a, c, t, b):
            pull = vjp(sub(a), *[a[i] for i in p.diff])[1]
            if M is None:
                return list(pull(c))
            # gpuad's cotangents are the conjugates of JAX's (docs/porting.md)
            return [M.numpy.conj(x) for x in pull([M.numpy.conj(x) for x in c])]

        out["vjp"] = vjp_stage
        if p.h.fullname not in DTYPE_ONLY:
            out["jvp"] = lambda a, c, t, b: list(jvp(sub(a), [a[i] for i in p.diff], t)[1])
    if p.batched is not None:
        axes = (0,) + (None,) * (len(p.args) - 1)
        out["vmap"] = lambda a, c, t, b: leaves(vmap(g, in_axes=axes)(b, *a[1:]))
    return out


# PROMISE_IN_BOUNDS (the default mode of lax.gather) means on CPU: a gather clamps an
# out-of-range window, a scatter drops it. JAX's derivatives do not follow what was computed:
# a gather's transpose (a scatter) drops the cotangent of a clamped window, a scatter's
# transpose (a gather) hands a dropped update the cotangent of the clamped position. gpuad
# differentiates the value it computed (docs/porting.md). For these groups the derivatives
# are compared with JAX's of the same program with the mode spelled out: gathers in CLIP and
# scatters in FILL_OR_DROP mode (the same values, and transposes that agree with them).
MODE_SPELLED_GROUPS = {"gather", "scatter", "scatter_add", "scatter_mul", "scatter_min",
                       "scatter_max"}


def _spelled_modes(closed):
    from jax.extend.core import jaxpr_as_fun

    promise = jax.lax.GatherScatterMode.PROMISE_IN_BOUNDS

    def rebind(jaxpr):
        eqns = []
        for e in jaxpr.eqns:
            name = e.primitive.name
            if name == "gather" and e.params["mode"] == promise:
                e = e.replace(params={**e.params, "mode": jax.lax.GatherScatterMode.CLIP})
            elif name.startswith("scatter") and e.params["mode"] == promise:
                e = e.replace(params={**e.params,
                                      "mode": jax.lax.GatherScatterMode.FILL_OR_DROP})
            elif e.primitive.name in ("jit", "pjit"):
                sub = e.params["jaxpr"]
                e = e.replace(params={**e.params, "jaxpr": sub.replace(jaxpr=rebind(sub.jaxpr))})
            eqns.append(e)
        return jaxpr.replace(eqns=eqns)

    fn = jaxpr_as_fun(closed.replace(jaxpr=rebind(closed.jaxpr)))
    return lambda *a: fn(*a)


CHUNK = 32  # harnesses JAX compiles in one program


def _inputs(k):
    p = _prepared(k)
    return p.args, p.cts, p.tans, p.batched


def _jax_run(plan: dict) -> dict:
    """{harness index: {stage: leaves}} for ``plan`` = {harness index: stage names}, in one
    compiled call; raises what JAX raises."""
    def program(inputs):
        out = {}
        for k, names in plan.items():
            stages = _stages(_prepared(k), jax)
            out[k] = {name: stages[name](*inputs[k]) for name in names}
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = jax.jit(program)({k: _inputs(k) for k in plan})
    return jax.tree_util.tree_map(np.asarray, out)


@functools.cache
def _jax_chunk(start: int) -> dict:
    """JAX's stages for CHUNK harnesses from ``start``, in one compiled call. Where that fails,
    each stage is traced alone: one JAX refuses (a derivative it does not define) holds the
    exception, and the others are compiled together, else one by one."""
    idx = list(range(start, min(start + CHUNK, len(SAMPLED))))
    try:
        return _jax_run({k: list(_stages(_prepared(k), jax)) for k in idx})
    except Exception:  # noqa: BLE001
        pass
    out: dict = {k: {} for k in idx}
    plan: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in idx:
            plan[k] = []
            for name, thunk in _stages(_prepared(k), jax).items():
                try:
                    jax.eval_shape(lambda inp, thunk=thunk: thunk(*inp), _inputs(k))
                    plan[k].append(name)
                except Exception as e:  # noqa: BLE001 - JAX refuses this stage
                    out[k][name] = e
    try:
        got = _jax_run(plan)
    except Exception:  # noqa: BLE001
        got = {}
        for k in idx:
            for name in plan[k]:
                try:
                    got.setdefault(k, {}).update(_jax_run({k: [name]})[k])
                except Exception as e:  # noqa: BLE001
                    out[k][name] = e
    for k, stages in got.items():
        out[k].update(stages)
    return out


# (group, dtype kind "f"/"c"): why JAX's derivative is wrong there. gpuad's vjp and jvp are
# checked against central differences of gpuad's own value (in 64 bits) instead.
JAX_WRONG: dict[tuple[str, str], str] = {
    ("sign", "c"): "JAX's derivative of sign is 0; for complex z, sign(z) = z / |z| is smooth "
                   "away from 0 and gpuad differentiates it (docs/porting.md)",
    ("clamp", "f"): "with crossed bounds (min > max) the value is max, which JAX does not "
                    "differentiate; gpuad does (docs/porting.md). The harness draws bounds at "
                    "random, so some cross",
    ("acosh", "c"): "JAX's jvp is rsqrt(x**2 - 1), of the wrong sign where Re x < 0 (the "
                    "principal branch's derivative is 1 / (sqrt(x - 1) sqrt(x + 1)))",
    ("digamma", "f"): "JAX's polygamma(1, x) is wrong for negative x (polygamma(1, -9.27) "
                      "gives -2.0e8; the trigamma function is positive there, 17.66)",
}

# (group, stage): (regex of gpuad's error, why) -- a stage gpuad refuses with a clear error
_COMPLEX_ORDER = (r"ComplexError: .*real values only",
                  "the derivative of a maximum or minimum of complex values (lax's lexicographic "
                  "order) raises, as gnp.maximum's does (tests/test_complex.py REAL_ONLY)")
REFUSED_STAGES: dict[tuple[str, str], tuple[str, str]] = {
    **{(g, st): _COMPLEX_ORDER for st in ("vjp", "jvp") for g in (
        "max", "min", "reduce_max", "reduce_min", "cummax", "cummin", "reduce_window_max",
        "reduce_window_min", "scatter_max", "scatter_min", "reduce")},
}

# harness name pattern: (stages not compared, why)
NOT_COMPARED_STAGES: dict[str, tuple[tuple[str, ...], str]] = {
    r"^rem_singularity_.*_by_0": (("vjp", "jvp"), "the derivative where the value is NaN "
                                  "(x rem 0): JAX's is +-inf (-trunc(x / 0)), gpuad's NaN"),
}


#: unary functions whose value is NaN off the real domain, where gpuad's slope is NaN too
#: (docs/semantics.md, "Special points") and JAX's the formula's finite number
DOMAIN_NAN = {"log", "log1p", "acosh", "atanh"}


def _outside_domain(h, value, got, want):
    """At the entries where the value is NaN (the harness's random draws outside the domain)
    gpuad's slope must be NaN; the comparison with JAX is made at the others."""
    bad = np.isnan(np.asarray(value[0]))
    if np.iscomplexobj(value[0]) or not bad.any():
        return got, want
    g = np.asarray(to_numpy(got[0]))
    assert g.shape == bad.shape and np.isnan(g[bad]).all(), (
        f"{h.fullname}: a finite slope where the value is NaN")
    w = np.array(want[0], copy=True)
    w[bad] = np.nan
    return [g, *got[1:]], [w, *want[1:]]


def _unspecified_outputs(h) -> set:
    """Outputs whose order lax leaves open: the payloads of a sort that is not stable (the
    harness's keys have ties). Their derivatives' order is open too: not compared."""
    if h.group_name == "sort" and not h.params.get("is_stable", True):
        return set(range(h.params.get("num_keys", 1), h.params.get("num_arrays", 1)))
    return set()


def _jax_wrong(p) -> str | None:
    return JAX_WRONG.get((p.h.group_name, np.dtype(p.h.dtype).kind))


def _fd_check(p, stage, got):
    """gpuad's jvp against central differences of gpuad's value along the same tangent; its
    vjp by ``<ct, J t> == <vjp(ct), t>`` (real inner products). In the harness's dtype (its
    jaxpr is typed): a step of 1e-6 in 64 bits, 1e-3 and a loose tolerance in 32 bits."""
    g = as_gpuad(p.closed)
    narrow = np.dtype(p.h.dtype).itemsize < 8 + 8 * (np.dtype(p.h.dtype).kind == "c")
    h, rtol = (1e-3, 2e-2) if narrow else (1e-6, 1e-6)

    def at(step):
        full = list(p.args)
        for k, t in zip(p.diff, p.tans, strict=True):
            full[k] = (p.args[k] + step * t).astype(p.args[k].dtype)
        return [np.asarray(to_numpy(y)).astype(np.result_type(y.dtype, np.float64))
                for y, fl in zip(g(*full), p.float_out, strict=True) if fl]

    fd = [(u - v) / (2 * h) for u, v in zip(at(h), at(-h), strict=True)]
    tans = p.tans
    got = [np.asarray(to_numpy(x)) for x in got]
    if stage == "jvp":
        for j, (a, b) in enumerate(zip(got, fd, strict=True)):
            scale = max(1.0, float(np.max(np.abs(b[np.isfinite(b)]), initial=0.0)))
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale,
                                       err_msg=f"{p.h.fullname} [jvp] output {j} vs central "
                                               f"differences")
        return
    lhs = sum(np.real(np.vdot(c, d)) for c, d in zip(p.cts, fd, strict=True))
    rhs = sum(np.real(np.vdot(v, t)) for v, t in zip(got, tans, strict=True))
    scale = sum(float(np.sum(np.abs(c) * np.abs(d))) for c, d in zip(p.cts, fd, strict=True))
    assert abs(lhs - rhs) <= rtol * max(scale, 1.0), \
        f"{p.h.fullname} [vjp]: <ct, J t> = {lhs} by central differences, <vjp(ct), t> = {rhs}"


@pytest.fixture(scope="module", autouse=True)
def _report():
    """With GPUAD_HARNESS_REPORT=1, the numbers of harnesses and stages compared, printed
    after the run."""
    yield
    if os.environ.get("GPUAD_HARNESS_REPORT"):
        import sys

        skipped: dict = {}
        for h in ALL:
            why = _skip_reason(h) or (h.group_name in REFUSED and "refused group")
            if why:
                skipped[why[:60]] = skipped.get(why[:60], 0) + 1
        print(f"\nharnesses: {len(ALL)}, runnable {len(RUN)}, sampled {len(SAMPLED)}, "
              f"compared {COUNTS['compared']}", file=sys.stderr)
        for k, n in sorted(COUNTS["stages"].items(), key=str):
            print(f"  {n:5d}  {k}", file=sys.stderr)
        for k, n in sorted(skipped.items()):
            print(f"  {n:5d}  skipped: {k}", file=sys.stderr)


def _count(key):
    COUNTS["stages"][key] = COUNTS["stages"].get(key, 0) + 1


@pytest.mark.parametrize("i", range(len(SAMPLED)), ids=[h.fullname[:120] for h in SAMPLED])
def test_harness(i):
    p = _prepared(i)
    h = p.h
    missing = sorted(q for q in primitives(p.closed.jaxpr) if q not in _known_prims())
    assert not missing, f"{h.fullname}: no gpuad rule for {missing} and the group is not listed"
    ref = _jax_chunk(i - i % CHUNK)[i]
    if isinstance(ref.get("value"), Exception):
        pytest.skip(f"JAX refuses: {ref['value']}")
    not_compared = [st for rx, (sts, _) in NOT_COMPARED_STAGES.items()
                    if re.search(rx, h.fullname) for st in sts]
    if _unspecified_outputs(h):
        not_compared += ["vjp", "jvp"]  # which payload gets which tangent is left open
    for stage, thunk in _stages(p, None).items():
        if stage in not_compared:
            _count((stage, "not compared"))
            continue
        want = ref[stage]
        if isinstance(want, Exception):
            if stage in ("vjp", "jvp"):
                _jax_refuses(p, stage, thunk)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                got = thunk(p.args, p.cts, p.tans, p.batched)
            except Exception as e:
                refusal = REFUSED_STAGES.get((h.group_name, stage))
                if refusal and re.search(refusal[0], f"{type(e).__name__}: {e}"):
                    _count((stage, "gpuad refuses"))
                    continue
                raise AssertionError(f"{h.fullname} [{stage}]: gpuad raised "
                                     f"{type(e).__name__}: {str(e)[:300]}") from e
            if stage in ("vjp", "jvp") and _jax_wrong(p):
                _fd_check(p, stage, got)
                _count((stage, "central differences"))
                continue
        if stage in ("vjp", "jvp") and h.group_name in DOMAIN_NAN:
            got, want = _outside_domain(h, ref["value"], got, want)
        _compare(h, stage, got, want, [np.asarray(a).dtype for a in p.args
                                       if hasattr(a, "dtype") and _is_float(a.dtype)])
        _count(stage)
    COUNTS["compared"] += 1


def _jax_refuses(p, stage, thunk):
    """A derivative JAX does not define: gpuad refuses it too, or its numbers are checked by
    central differences (exact or an error)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            got = thunk(p.args, p.cts, p.tans, p.batched)
        except Exception:  # noqa: BLE001 - both refuse
            _count((stage, "both refuse", p.h.group_name))
            return
        _fd_check(p, stage, got)
    _count((stage, "JAX refuses, central differences", p.h.group_name))


@functools.cache
def _known_prims():
    from _jaxpr_to_gpuad import RULES

    return set(RULES) | {"jit", "pjit", "closed_call", "core_call"}


# ---- the refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("group", sorted(COMPARED_ELSEWHERE))
def test_group_compared_elsewhere_exists_with_its_suite(group):
    name, suite = COMPARED_ELSEWHERE[group]
    obj = lax
    for part in name.split("."):
        obj = getattr(obj, part)
    assert callable(obj)
    assert (Path(__file__).parent / suite).exists()


@pytest.mark.parametrize("group", sorted(REFUSED))
def test_refused_group_is_a_clear_error(group):
    """Every listed group's harnesses bind a primitive without a rule, and gpuad.lax has no
    function of that name: using it raises AttributeError naming it."""
    why, name = REFUSED[group]
    hs = [h for h in ALL if h.group_name == group and _skip_reason(h) is None]
    assert hs, f"{group}: no harness runs on CPU in a supported dtype; drop it from REFUSED"
    with pytest.raises(AttributeError, match=name):
        getattr(lax, name)
    h = hs[0]
    args = h.dyn_args_maker(_rng(h))
    closed = jax.make_jaxpr(h.dyn_fun)(*args)
    with pytest.raises(NoRule, match="no gpuad.lax rule for the JAX primitive"):
        as_gpuad(closed)(*args)


def test_every_group_is_run_or_listed():
    groups = {h.group_name for h in ALL}
    run = {h.group_name for h in SAMPLED}
    only_skipped = {h.group_name for h in ALL} - {h.group_name for h in RUN}
    listed = set(REFUSED) | set(NOT_COMPARABLE) | set(COMPARED_ELSEWHERE)
    unlisted = only_skipped - listed
    assert not unlisted, f"groups neither run nor listed: {sorted(unlisted)}"
    assert run | listed >= groups - unlisted
