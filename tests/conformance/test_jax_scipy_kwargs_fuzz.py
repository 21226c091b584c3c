"""Random keyword arguments, shapes and domain points for the functions gpuad.scipy shares with
jax.scipy (special, stats, linalg, signal), compared with jax.scipy in float64 (x64 on for this
module, restored afterwards).

Each case (``_jsp_kwargs_specs.SPECS``: broadcast shapes with size-0 and size-1 dimensions,
0-d inputs, Python scalars, integer and float32 inputs, reversed/transposed/strided layouts,
loc/scale given or not, positionally or by keyword, the keywords of each function; ``#edge``
cases put domain boundaries, poles, inf and nan among the inputs) compares five things:

- the value: shape, dtype and numbers (1e-10 relative in float64, 1e-5 in float32);
- the gradient of ``sum(out * c)`` for a fixed random ``c`` with respect to every floating
  input (1e-8), against ``jax.grad``;
- the forward derivative along a random tangent of every floating input, against ``jax.jvp``;
- ``vmap`` over a random axis of one input, against ``jax.vmap``;
- ``gpuad.jit`` of the function, against gpuad's own eager value.

gpuad either matches or refuses with an error listed in ``REFUSED`` (a reason for each, and
the error must name the function); any other difference fails. ``KNOWN`` lists the deliberate
differences from JAX with their reasons. In the ``#edge`` cases of ``special``
or stats, where JAX's value is nan at a pole or a limit, SciPy's value (inf, 0, the limit) is
the reference, as gpuad's forwards are SciPy's. In the ``#edge`` cases gradients and tangents are
compared where JAX's are finite and away from the points ``EDGE_SKIP`` names. By default one
case runs for each of a fixed eighth of the case names (under a minute);
``GPUAD_JSP_FUZZ_CASES=N`` runs N random cases for every case name and ``GPUAD_JSP_FUZZ_SEED``
shifts the seeds (and the eighth).
"""

from __future__ import annotations

import os
import re
import types
import zlib

import numpy as np
import pytest
from _jsp_kwargs_specs import CALLS, EDGE, SPECS, Draw

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
pytest.importorskip("scipy")

pytest.importorskip("jax.scipy.linalg")
pytest.importorskip("jax.scipy.signal")
pytest.importorskip("jax.scipy.special")
pytest.importorskip("jax.scipy.stats")
import scipy.linalg  # noqa: E402,F401
import scipy.signal  # noqa: E402,F401
import scipy.special  # noqa: E402,F401
import scipy.stats  # noqa: E402,F401
from test_jax_numpy_kwargs_fuzz import (  # noqa: E402
    _describe,
    _for_backend,
    _get,
    _host,
    _jax_call,
    _leaves,
    _quiet,
    _slots,
    _substitute,
)

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy as gsp  # noqa: E402

QUICK = "GPUAD_JSP_FUZZ_CASES" not in os.environ
CASES = int(os.environ.get("GPUAD_JSP_FUZZ_CASES", "1"))
SEED = int(os.environ.get("GPUAD_JSP_FUZZ_SEED", "0"))
# XLA compiles every new shape and transform (about 2 s a case on 2 cores): by default one case
# each for a fixed eighth of the case names
NAMES = [n for n in sorted(SPECS) if not QUICK or zlib.crc32(f"{n}:{SEED}".encode()) % 8 == 0]
REFUSALS = (TypeError, ValueError, IndexError, NotImplementedError, ad.GradError,
            np.linalg.LinAlgError)
RTOL, RTOL32, GRAD_RTOL = 1e-10, 1e-5, 1e-8

G = types.SimpleNamespace(sp=gsp, np=gnp)
J = types.SimpleNamespace(sp=jax.scipy, np=jnp)
S = types.SimpleNamespace(sp=scipy, np=np)

_SHAPE_PARAM = ("the derivative in a shape parameter with no closed form (betainc's a and b, "
                "zeta's x, hyp1f1's a and b, and the CDFs built on them) raises "
                "MissingRuleError naming it; JAX differentiates them by series, or raises "
                "too (betainc) (docs/semantics.md, SciPy functions)")
_COUNT = ("poisson's count k (and loc) are integers: a derivative in them raises "
          "MissingRuleError; JAX differentiates its gammaincc formula in k")


def _always(a, k, *slot):
    return True


def _slot_is(*positions):
    return lambda a, k, s: s in [("a", i, None) for i in positions]


# (function, what) -> (reason, applies(args, kwargs[, slot]), regex the message must match):
# gpuad refuses what JAX computes; ``what`` is "grad" (the derivative in the input ``slot``;
# jvp refusals must be listed here too), "value", "vmap" or "jit"
REFUSED: dict = {
    ("special.betainc", "grad"): (_SHAPE_PARAM, _slot_is(0, 1), "betainc"),
    ("special.zeta", "grad"): (_SHAPE_PARAM, _slot_is(0), "zeta"),
    ("special.hyp1f1", "grad"): (_SHAPE_PARAM, _slot_is(0, 1), "hyp1f1"),
}
REFUSED[("linalg.qr", "value")] = REFUSED[("linalg.qr", "vmap")] = (
    "pivoting=True is not built (the permutation is chosen from the values); the error says "
    "to call qr(a[:, perm]) with a fixed permutation", lambda a, k: k.get("pivoting", False),
    "qr: pivoting")
REFUSED[("linalg.solve_triangular", "vmap")] = REFUSED[("linalg.solve_triangular", "value")] = (
    "trans='C' (2) with a complex matrix is not built yet; it raises NotImplementedError",
    lambda a, k: np.iscomplexobj(a[0]) and k.get("trans") in (2, "C"), "solve_triangular")
for _f in ("cdf", "logcdf", "sf", "logsf"):
    REFUSED[(f"stats.beta.{_f}", "grad")] = (_SHAPE_PARAM, _slot_is(1, 2), "betainc")
for _f in ("logpmf", "pmf", "cdf"):
    REFUSED[(f"stats.poisson.{_f}", "grad")] = (
        _COUNT, lambda a, k, s: s in (("a", 0, None), ("k", "loc", None)), "poisson")


_NPARAMS = {"norm": 0, "beta": 2, "gamma": 1, "chi2": 1, "t": 1}


def _invalid_params(a, k, name):
    """A non-positive scale or shape parameter anywhere among the arguments."""
    n = _NPARAMS[name.split(".")[1]]
    params = list(a[1:1 + n])
    params.append(k.get("scale", a[2 + n] if len(a) > 2 + n else 1.0))
    return any(bool(np.any(np.asarray(p, dtype=float) <= 0)) for p in params)


def _outside_support(a, k, name):
    n = _NPARAMS[name.split(".")[1]]
    loc = k.get("loc", a[1 + n] if len(a) > 1 + n else 0.0)
    scale = k.get("scale", a[2 + n] if len(a) > 2 + n else 1.0)
    with np.errstate(all="ignore"):
        y = (np.asarray(a[0], float) - loc) / scale
    return bool(np.any(y < 0) or (name.split(".")[1] == "beta" and np.any(y > 1)))


_TRI = ("reads one triangle of the matrix (as LAPACK): gpuad's gradient lives on that "
        "triangle, JAX's is symmetric; the two agree along symmetric directions, where they "
        "are compared (docs/semantics.md)")
_SCIPY_PARAMS = ("a non-positive scale or shape parameter gives nan, as SciPy "
                 "(docs/semantics.md); JAX computes on in some functions (norm's CDFs with a "
                 "negative scale, gamma.logpdf at a <= 0): SciPy's value is the reference")
_WHERE_NAN = ("x outside the support: the log-density is -inf, constant in the parameters; "
              "JAX's gradient in them is nan there (the nan of the unused where-branch leaks), "
              "gpuad's that of the finite branch: compared where JAX's is finite")
# (function, what) -> (reason, applies(args, kwargs)): deliberate differences from JAX.
# "value": SciPy's value is the reference instead of JAX's; "grad"/"jvp"/"vmap": not
# compared; "sym": gradients compared along symmetric directions
KNOWN: dict = {
    ("linalg.cholesky", "sym"): (_TRI, _always),
    ("linalg.cho_factor", "sym"): (_TRI, _always),
    ("linalg.cho_solve", "sym"): (_TRI, _always),
    ("linalg.eigh", "sym"): (_TRI, _always),
    ("linalg.solve", "sym"): (_TRI, lambda a, k: k.get("assume_a") in ("sym", "her", "pos")),
    ("linalg.sqrtm", "value"): ("SciPy's dtype: real for a real matrix with a real square "
                                "root, where JAX always returns complex", _always),
}
for _f in ("beta", "betaln"):
    KNOWN[(f"special.{_f}", "value")] = (
        "at a pole of gamma (a or b a non-positive integer): SciPy's inf, JAX's nan",
        lambda a, k: any(bool(np.any(_pole(np.asarray(v, float), 0))) for v in a[:2]))
for _f in ("gammainc", "gammaincc"):
    KNOWN[(f"special.{_f}", "value")] = (
        "a = inf: SciPy's limit (0 and 1), JAX's nan for x > 0",
        lambda a, k: bool(np.any(np.isinf(np.asarray(a[0], float)))))
KNOWN[("special.logsumexp", "jaxnan")] = (
    "a slice with nothing left (where False throughout, or weights all 0) is -inf whatever "
    "a is: gpuad's derivative 0, JAX's nan", _always)
for _f in ("ppf", "isf"):
    KNOWN[(f"stats.norm.{_f}", "dtype")] = (
        "float32 arguments: gpuad's result is float32, as JAX's other norm functions; JAX's "
        "ppf/isf (and SciPy's) are float64", _always)
KNOWN[("stats.dirichlet.pdf", "vmap")] = KNOWN[("stats.dirichlet.logpdf", "vmap")] = (
    "the fuzzer's batched copies of x are rescaled and no longer sum to 1: gpuad raises, as "
    "SciPy, where JAX computes", _always)
KNOWN[("linalg.expm", "triu")] = (
    "upper_triangular=True: JAX's algorithm then reads only the upper triangle, so its "
    "derivative along lower-triangular directions is not expm's; gpuad's is (the hint "
    "changes nothing): compared along upper-triangular directions",
    lambda a, k: k.get("upper_triangular", False))
KNOWN[("linalg.eigh_tridiagonal", "jvp")] = (
    "JAX's forward derivative runs through its bisection's comparisons and is not the "
    "eigenvalues' (JAX's reverse mode raises); gpuad's is v^T dT v through eigh, checked "
    "against finite differences (tests/diff_specs/linalg_schur.py)", _always)
KNOWN[("linalg.pascal", "value")] = (
    "JAX computes the binomials in float32 through lgamma and exp (approximate); gpuad's and "
    "SciPy's entries are exact: SciPy's value is the reference", _always)
KNOWN[("linalg.eigh", "value")] = (
    "a matrix that is not symmetric: JAX symmetrizes it ((a + a^H)/2), SciPy and gpuad read "
    "the triangle `lower` names: SciPy's value is the reference",
    lambda a, k: not np.allclose(a[0], np.swapaxes(np.conj(a[0]), -1, -2)))
KNOWN[("special.spence", "jaxnan")] = (
    "JAX's derivative of spence is nan for z > 1; gpuad's is log(z)/(1 - z): compared where "
    "JAX's is finite", _always)
KNOWN[("stats.multivariate_normal.logpdf", "value")] = \
    KNOWN[("stats.multivariate_normal.pdf", "value")] = (
        "SciPy's output shape: length-1 axes of the batch squeezed away (JAX keeps them)",
        lambda a, k: 1 in np.shape(a[0])[:-1])
KNOWN[("special.expi", "value")] = (
    "expi(-inf): SciPy's limit -0.0, JAX's nan", lambda a, k: bool(np.any(np.isneginf(a[0]))))
KNOWN[("special.log_softmax", "value")] = (
    "a slice holding +inf: SciPy's x - inf (nan at the inf, -inf beside it), JAX's nan "
    "throughout", lambda a, k: bool(np.any(np.isposinf(a[0]))))
KNOWN[("special.zeta", "value")] = (
    "zeta(inf, q): SciPy's limit (1 at q = 1, 0 for q > 1, inf below), JAX's nan",
    lambda a, k: bool(np.any(np.isinf(a[0]))))
KNOWN[("special.hyp1f1", "value")] = (
    "hyp1f1 at a pole (b a non-positive integer): SciPy's inf, JAX's signed or finite value",
    lambda a, k: bool(np.any(_pole(np.asarray(a[1], float), 1))))
for _d in ("norm", "beta", "gamma", "chi2", "t"):
    for _f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
        KNOWN[(f"stats.{_d}.{_f}", "value")] = (
            _SCIPY_PARAMS, lambda a, k, _n=f"stats.{_d}.{_f}": _invalid_params(a, k, _n))
for _d in ("beta", "gamma", "chi2"):
    for _f in ("logpdf", "pdf"):
        KNOWN[(f"stats.{_d}.{_f}", "jaxnan")] = (
            _WHERE_NAN, lambda a, k, _n=f"stats.{_d}.{_f}": _outside_support(a, k, _n))


# (function) -> (reason, skip(values of one input, its position) -> bool mask): in the #edge
# cases, the input elements where the derivatives are not compared (a one-sided limit at the
# edge of the domain where JAX's where-branches give a finite number)
_ONE_SIDED = ("at the edge of the domain gpuad's derivative is the one-sided limit (+-inf) "
              "or nan outside it; JAX's where-branches give a finite number (often 0)")


def _outside_unit(v, i):
    return (v <= 0) | (v >= 1)


def _not_positive(v, i):
    return v <= 0


def _pole(v, i):
    return (v <= 0) & (v == np.round(v))


def _support_edge(lo_hi):
    return lambda v, i: ((v <= lo_hi[0]) | (v >= lo_hi[1])) if i == 0 else False


EDGE_SKIP: dict = {
    "special.ndtri": (_ONE_SIDED, _outside_unit),
    "special.logit": (_ONE_SIDED, _outside_unit),
    "stats.norm.ppf": (_ONE_SIDED, lambda v, i: _outside_unit(v, i) if i == 0 else False),
    "stats.norm.isf": (_ONE_SIDED, lambda v, i: _outside_unit(v, i) if i == 0 else False),
    "special.erfinv": (_ONE_SIDED, lambda v, i: np.abs(v) >= 1),
    "special.kl_div": (_ONE_SIDED, _not_positive),
    "special.rel_entr": (_ONE_SIDED, _not_positive),
    "special.entr": (_ONE_SIDED, _not_positive),
    "special.spence": (_ONE_SIDED + "; at z = 1 JAX's derivative is 0, spence'(1) = -1 "
                       "(gpuad's, tests/test_scipy_jax_keywords.py)",
                       lambda v, i: (v <= 0) | (v == 1)),
    "special.zeta": ("the poles of zeta in q (the non-positive integers)",
                     lambda v, i: _pole(v, i) if i == 1 else False),
    "special.gammaln": ("the poles of gamma (the non-positive integers)", _pole),
    "special.gamma": ("the poles of gamma (the non-positive integers)", _pole),
    "special.digamma": ("the poles of gamma (the non-positive integers)", _pole),
    "special.logsumexp": ("b = 0: JAX's derivative in that b is 0 (it sets a to -inf there); "
                          "gpuad's is exp(a - out), the derivative of log(sum b exp(a))",
                          lambda v, i: (v == 0) if i == "b" else False),
    "special.i0": ("x = 0: i0 is even, i0'(0) = i1(0) = 0 (gpuad's); JAX's derivative of its "
                   "exp(|x|) i0e(x) form takes d|x|/dx = 1 there and gives i0e(0) = 1 ... "
                   "nonzero", lambda v, i: v == 0),
    "special.i0e": ("x = 0: i0e = exp(-|x|) i0(x) has a kink (one-sided derivatives -+1)",
                    lambda v, i: v == 0),
    "special.i1e": ("x = 0: i1e = exp(-|x|) i1(x) is where JAX's d|x|/dx convention applies",
                    lambda v, i: v == 0),
}
for _d, _lh in (("gamma", (0, np.inf)), ("chi2", (0, np.inf)), ("beta", (0, 1))):
    for _f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
        EDGE_SKIP[f"stats.{_d}.{_f}"] = (_ONE_SIDED + " (x at the edge of the support)",
                                         _support_edge(_lh))


def _edge_mask(name, slot, v):
    """The elements of input ``v`` whose derivative is not compared."""
    v = np.asarray(v)
    mask = ~np.isfinite(v) if v.dtype.kind in "fc" else np.zeros(v.shape, bool)
    entry = EDGE_SKIP.get(_base(name))
    if entry is not None:
        mask = mask | np.asarray(entry[1](v, slot[1]), bool)
    return mask


def _base(name):
    return name.split("#")[0]


def _lookup(table, name, what, args, kwargs, *extra):
    entry = table.get((_base(name), what))
    return entry is not None and entry[1](args, kwargs, *extra)


def _sym(g):
    """The symmetric part over the last two axes (for a gradient of a triangle-reading op)."""
    return 0.5 * (g + np.conj(np.swapaxes(g, -1, -2))) if np.ndim(g) >= 2 else g


def _resolve(mod, name):
    for part in _base(name).split("."):
        mod = getattr(mod, part)
    return mod


def _caller(ns, name):
    if name in CALLS:
        return lambda *a, **k: CALLS[name](ns, *a, **k)
    return _resolve(ns.sp, name)


def _leaf_list(out):
    return [o for o in _leaves(out) if not isinstance(o, (bool, np.bool_))]


def _tol(*arrays):
    return RTOL32 if any(getattr(a, "dtype", None) == np.float32 for a in arrays) else RTOL


def _close(got, want, rtol, what, name, finite_only=False):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{name}: {what}: shape {got.shape}, expected {want.shape}"
    if want.dtype.kind in "biu" and got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=f"{name}: {what}")
        return
    kind = np.complex128 if "c" in (want.dtype.kind, got.dtype.kind) else np.float64
    got, want = got.astype(kind), want.astype(kind)
    if finite_only:
        ok = np.isfinite(want)
        got, want = np.where(ok, got, 0), np.where(ok, want, 0)
    scale = np.nanmax(np.abs(np.where(np.isfinite(want), want, 0))) if want.size else 0.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * (1.0 + scale),
                               equal_nan=True, err_msg=f"{name}: {what}")


class _Refused(Exception):
    pass


def _gpuad(fn):
    try:
        return _quiet(fn)
    except REFUSALS as e:
        raise _Refused(f"{type(e).__name__}: {e}") from e


def _refusal(name, what, args, kwargs, err, log, slot=None):
    """A refusal where JAX computes: it must be listed and its message must name the op."""
    extra = () if what != "grad" else (slot,)
    assert _lookup(REFUSED, name, what, args, kwargs, *extra), (
        f"{name}: gpuad refuses the {what}{'' if slot is None else f' in {slot}'} that JAX "
        f"computes: {err}")
    names = REFUSED[(_base(name), what)][2]
    assert re.search(names, str(err), re.I), f"{name}: the refusal does not name {names}: {err}"
    log.append(f"{what} refused ({slot}): {err}")


def _on_arrays(ns, name, args, kwargs, slots):
    call = _caller(ns, name)

    def f(*v):
        a, k = _substitute(args, kwargs, slots, v)
        return call(*a, **k)
    return f


def _gpuad_args(args, kwargs):
    slots = _slots(args, kwargs)
    return _substitute(args, kwargs, slots, [_for_backend(_get(args, kwargs, s))
                                              for s in slots])


def _scipy_value(name, args, kwargs):
    try:
        return _quiet(lambda: _caller(S, name)(*args, **kwargs))
    except Exception:  # noqa: BLE001 -- SciPy lacks it or refuses
        return None


def check_values(name, args, kwargs, log):
    """Value check; returns (gpuad's leaves, JAX's leaves) or None where there is nothing to
    compare. Where the dtypes differ, gpuad's must be SciPy's (NumPy's promotion of float32
    with int64 is float64, JAX's float32; SciPy's sqrtm is real where it can be)."""
    slots = _slots(args, kwargs)
    prim = [_get(args, kwargs, s) for s in slots]
    try:
        want = _jax_call(_on_arrays(J, name, args, kwargs, slots), *prim)
    except Exception as e:  # noqa: BLE001 -- JAX refuses: then so may gpuad
        log.append(f"jax raised {type(e).__name__}: {e}")
        try:
            _gpuad(lambda: _caller(G, name)(*_gpuad_args(args, kwargs)[0],
                                            **_gpuad_args(args, kwargs)[1]))
        except _Refused:
            return None
        return None
    ga, gk = _gpuad_args(args, kwargs)
    try:
        got = _gpuad(lambda: _caller(G, name)(*ga, **gk))
    except _Refused as e:
        _refusal(name, "value", args, kwargs, e, log)
        return None
    gl, wl = _leaf_list(got), _leaf_list(want)
    assert len(gl) == len(wl), f"{name}: {len(gl)} outputs, jax gives {len(wl)}"
    ref, rl = "jax", wl
    if _lookup(KNOWN, name, "value", args, kwargs):
        ref, rl = "scipy", _scipy_value(name, args, kwargs)
        if rl is None:
            return None
        rl = _leaf_list(rl)
    sl = None
    tol = _tol(*prim)
    for k, (g, w) in enumerate(zip(gl, rl, strict=True)):
        g, w = _host(g), np.asarray(w)
        if g.dtype != w.dtype and _lookup(KNOWN, name, "dtype", args, kwargs):
            assert g.dtype == np.float32, f"{name} output {k}: dtype {g.dtype}"
            tol = RTOL32
        elif g.dtype != w.dtype:
            if sl is None:
                sl = _leaf_list(_scipy_value(name, args, kwargs))
            sd = np.asarray(sl[k]).dtype if k < len(sl) else None
            assert g.dtype == sd, (f"{name} output {k}: dtype {g.dtype}, {ref} gives {w.dtype}, "
                                   f"scipy {sd}")
            tol = max(tol, _tol(g, w))
        if name in EDGE and np.isnan(w).any():
            # a pole or a limit where JAX gives nan: SciPy's value (inf, 0, the limit)
            if sl is None:
                sl = _leaf_list(_scipy_value(name, args, kwargs))
            if k < len(sl) and sl[k] is not None:
                w = np.where(np.isnan(w), np.broadcast_to(np.asarray(sl[k]), w.shape), w)
        _close(g, w, tol, f"value of output {k} vs {ref}", name)
    return (gl, wl) if ref == "jax" else None


def _float_slots(args, kwargs):
    return [s for s in _slots(args, kwargs)
            if _get(args, kwargs, s).dtype.kind in "fc" and _get(args, kwargs, s).size]


def _loss(ns, f, cs):
    def loss(*v):
        total = 0.0
        for o, c in zip(_leaf_list(f(*v)), cs, strict=True):
            if c is not None and o.size:
                total = total + ns.np.sum(ns.np.real(o * c))
        return total
    return loss


def _compare_grad(name, args, kwargs, slot, g, w):
    g, w = _host(g), np.conj(np.asarray(w))
    if _lookup(KNOWN, name, "sym", args, kwargs) and slot == ("a", 0, None):
        g, w = _sym(g), _sym(w)
    if _lookup(KNOWN, name, "triu", args, kwargs) and slot == ("a", 0, None):
        g, w = np.triu(g), np.triu(w)
    if name in EDGE:
        # JAX's finite where gpuad's is not: only at edge points (an input element that is
        # not finite or that EDGE_SKIP names, or a broadcast input summing over such points)
        v = _get(args, kwargs, slot)
        skip = _edge_mask(name, slot, v) | ~np.isfinite(w)
        if np.shape(v) != _out_shape(args, kwargs) or _edge_elsewhere(name, args, kwargs, slot):
            skip = skip | ~np.isfinite(g)
        g, w = np.where(skip, 0, g), np.where(skip, 0, w)
    elif _lookup(KNOWN, name, "jaxnan", args, kwargs):
        ok = np.isfinite(w)
        g, w = np.where(ok, g, 0), np.where(ok, w, 0)
    _close(g, w, GRAD_RTOL, f"gradient wrt {slot}", name)


def _out_shape(args, kwargs):
    try:
        return np.broadcast_shapes(*[np.shape(_get(args, kwargs, s))
                                     for s in _slots(args, kwargs)])
    except ValueError:
        return None


def _edge_elsewhere(name, args, kwargs, slot):
    """Whether another input has an edge point (its derivative may then reach this one)."""
    return any(_edge_mask(name, s, _get(args, kwargs, s)).any()
               for s in _slots(args, kwargs) if s != slot)


def check_grads(name, args, kwargs, leaves, seed, log, slots=None):
    """The gradient wrt every floating input in ``slots``; where gpuad refuses one of several,
    each alone (the refusal must be listed). In the #edge cases the cotangent is 0 where JAX's
    value is not finite."""
    if slots is None:
        slots = _float_slots(args, kwargs)
    rng = np.random.default_rng(seed + 7)
    cs = []
    for w in leaves:
        w = np.asarray(w)
        c = rng.standard_normal(w.shape) if w.dtype.kind == "f" else None
        if c is not None and name in EDGE:
            c = np.where(np.isfinite(w), c, 0.0)
        cs.append(c)
    if not slots or all(c is None for c in cs) or _lookup(KNOWN, name, "grad", args, kwargs):
        return
    if any(_get(args, kwargs, s).dtype == np.float32 for s in slots):
        return
    prim = [_get(args, kwargs, s) for s in slots]
    argnums = tuple(range(len(prim)))
    try:
        want = _jax_call(jax.grad(_loss(J, _on_arrays(J, name, args, kwargs, slots), cs),
                                  argnums=argnums), *prim)
    except Exception as e:  # noqa: BLE001 -- JAX does not differentiate it
        log.append(f"jax grad raised {type(e).__name__}")
        return
    gcs = [None if c is None else _for_backend(c) for c in cs]
    gf = _on_arrays(G, name, *_gpuad_args(args, kwargs), slots)
    try:
        got = _gpuad(lambda: ad.grad(_loss(G, gf, gcs), argnums=argnums)(
            *[_for_backend(p) for p in prim]))
    except _Refused as e:
        if len(slots) > 1:
            for s in slots:
                check_grads(name, args, kwargs, leaves, seed, log, [s])
            return
        _refusal(name, "grad", args, kwargs, e, log, slots[0])
        return
    for s, g, w in zip(slots, got, want, strict=True):
        _compare_grad(name, args, kwargs, s, g, w)


def check_jvp(name, args, kwargs, leaves, seed, log):
    """The forward derivative along random tangents of every float64 input (0 at the edge
    points of #edge cases), compared where JAX's value and tangent are finite."""
    slots = [s for s in _float_slots(args, kwargs) if _get(args, kwargs, s).dtype != np.float32]
    if not slots or _lookup(KNOWN, name, "jvp", args, kwargs):
        return
    rng = np.random.default_rng(seed + 11)
    prim = [_get(args, kwargs, s) for s in slots]
    tans = []
    for s, p in zip(slots, prim, strict=True):
        t = rng.standard_normal(p.shape)
        if p.dtype.kind == "c":
            t = t + 1j * rng.standard_normal(p.shape)
        if _lookup(KNOWN, name, "sym", args, kwargs) and s == ("a", 0, None):
            t = _sym(t)
        if _lookup(KNOWN, name, "triu", args, kwargs) and s == ("a", 0, None):
            t = np.triu(t)
        if name in EDGE:
            t = np.where(_edge_mask(name, s, p), 0.0, t)
        tans.append(t)
    try:
        want = _quiet(lambda: jax.jit(lambda *pt: jax.jvp(
            _on_arrays(J, name, args, kwargs, slots), pt[:len(prim)], pt[len(prim):])[1])(
                *prim, *tans))
    except Exception as e:  # noqa: BLE001
        log.append(f"jax jvp raised {type(e).__name__}")
        return
    gf = _on_arrays(G, name, *_gpuad_args(args, kwargs), slots)
    try:
        got = _gpuad(lambda: ad.jvp(gf, [_for_backend(p) for p in prim],
                                    [_for_backend(t) for t in tans])[1])
    except _Refused as e:
        assert any(_lookup(REFUSED, name, "grad", args, kwargs, s) for s in slots), (
            f"{name}: gpuad refuses the jvp that JAX computes: {e}")
        log.append(f"jvp refused: {e}")
        return
    gl, wl = _leaf_list(got), _leaf_list(want)
    assert len(gl) == len(wl), f"{name} jvp: {len(gl)} outputs, jax {len(wl)}"
    for k, (g, w, v) in enumerate(zip(gl, wl, leaves, strict=True)):
        g, w = _host(g), np.asarray(w)
        if w.dtype.kind not in "fc":
            continue
        if name in EDGE or _lookup(KNOWN, name, "jaxnan", args, kwargs):
            skip = ~np.isfinite(w) | ~np.isfinite(np.asarray(v))
            if name in EDGE:  # outputs that an edge point of an input reaches
                for s in _slots(args, kwargs):
                    m = _edge_mask(name, s, _get(args, kwargs, s))
                    try:
                        skip = skip | np.broadcast_to(m, w.shape)
                    except ValueError:
                        pass
            g, w = np.where(skip, 0, g), np.where(skip, 0, w)
        _close(g, w, GRAD_RTOL, f"jvp output {k}", name)


def check_vmap(name, args, kwargs, d, log):
    slots = [s for s in _slots(args, kwargs) if s[0] == "a" and s[2] is None]
    if not slots or _lookup(KNOWN, name, "vmap", args, kwargs):
        return
    slot = d.pick(slots)
    leaf = _get(args, kwargs, slot)
    B = d.r.randint(1, 3)
    if _lookup(KNOWN, name, "value", args, kwargs):  # JAX's value is not the reference
        return
    ax = d.r.randint(-leaf.ndim - 1, leaf.ndim)
    if leaf.dtype.kind in "fc":
        variants = [leaf * (1.0 - 0.03 * k) for k in range(B)]
    else:
        variants = [leaf] * B
    batched = np.stack(variants, axis=ax)

    def f_of(ns):
        call = _caller(ns, name)

        def f(x):
            a, k = _substitute(args, kwargs, [slot], [x])
            if ns is G:
                a, k = _substitute(a, k, [s for s in _slots(a, k) if s != slot],
                                   [_for_backend(_get(a, k, s)) for s in _slots(a, k)
                                    if s != slot])
            return call(*a, **k)
        return f

    try:
        want = _jax_call(jax.vmap(f_of(J), in_axes=ax), batched)
    except Exception as e:  # noqa: BLE001
        log.append(f"jax vmap raised {type(e).__name__}")
        return
    try:
        got = _gpuad(lambda: ad.vmap(f_of(G), in_axes=ax)(_for_backend(batched)))
    except _Refused as e:
        _refusal(name, "vmap", args, kwargs, e, log)
        return
    gl, wl = _leaf_list(got), _leaf_list(want)
    assert len(gl) == len(wl), f"{name} vmap: {len(gl)} outputs, jax {len(wl)}"
    for k, (g, w) in enumerate(zip(gl, wl, strict=True)):
        g, w = _host(g), np.asarray(w)
        tol = _tol(g, w, *[_get(args, kwargs, s) for s in _slots(args, kwargs)])
        if name in EDGE:  # JAX's nan at poles and limits: the values were checked vs SciPy
            g, w = np.where(np.isnan(w), 0, g), np.where(np.isnan(w), 0, w)
        _close(g, w, tol, f"vmap in_axes={ax} of {slot}, output {k}", name)


def check_jit(name, args, kwargs, eager, log):
    slots = _slots(args, kwargs)
    ga, gk = _gpuad_args(args, kwargs)
    prim = [_get(ga, gk, s) for s in slots]
    f = _on_arrays(G, name, ga, gk, slots)
    try:
        got = _gpuad(lambda: ad.jit(f)(*prim))
    except _Refused as e:
        _refusal(name, "jit", args, kwargs, e, log)
        return
    gl = _leaf_list(got)
    assert len(gl) == len(eager), f"{name} jit: {len(gl)} outputs, eager {len(eager)}"
    for k, (g, e) in enumerate(zip(gl, eager, strict=True)):
        g, e = _host(g), _host(e)
        assert g.dtype == e.dtype, f"{name} jit output {k}: dtype {g.dtype}, eager {e.dtype}"
        _close(g, e, 1e-12, f"jit output {k} vs eager", name)


def run_case(name: str, seed: int, log: list) -> None:
    d = Draw(seed)
    args, kwargs = SPECS[name](d)
    slots = _slots(args, kwargs)
    before = [np.array(_get(args, kwargs, s), copy=True) for s in slots]
    what = f"{name} seed={seed} args={_describe(args)} kwargs={_describe(kwargs)}"
    try:
        both = check_values(name, args, kwargs, log)
        if both is not None:
            check_grads(name, args, kwargs, both[1], seed, log)
            check_jvp(name, args, kwargs, both[1], seed, log)
            check_jit(name, args, kwargs, both[0], log)
        check_vmap(name, args, kwargs, d, log)
    except AssertionError as e:
        raise AssertionError(f"{what}\n{e}") from None
    except Exception as e:
        raise AssertionError(f"{what}\nunexpected {type(e).__name__}: {e}") from e
    for s, b in zip(slots, before, strict=True):
        np.testing.assert_array_equal(_get(args, kwargs, s), b, err_msg=f"{what}: input {s}")


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _seed(name, k):
    return zlib.crc32(f"{name}:{k + SEED * 1000}".encode())


@pytest.mark.parametrize("name", NAMES)
def test_random_kwargs_against_jax_scipy(backend, name):
    log: list = []
    for k in range(CASES):
        run_case(name, _seed(name, k), log)


# distributions compared with JAX (values on and off the support, gradients) by
# tests/conformance/test_jax_scipy_stats_more.py, not yet drawn here
COMPARED_ELSEWHERE = frozenset({
    "bernoulli", "betabinom", "binom", "cauchy", "expon", "gennorm", "geom", "gumbel_l",
    "gumbel_r", "laplace", "logistic", "multinomial", "nbinom", "pareto", "truncnorm",
    "uniform", "vonmises", "wrapcauchy", "stats.poisson.entropy",
    # by tests/conformance/test_jax_scipy_special_complex.py
    "special.sph_harm_y", "special.wofz",
    # and by tests/conformance/test_jax_scipy_special_more.py
    "special.bernoulli", "special.bessel_jn", "special.boxcox", "special.boxcox1p",
    "special.comb", "special.dawsn", "special.factorial", "special.fresnel", "special.hyp2f1",
    "special.loggamma", "special.owens_t", "special.sici"})


def test_spec_coverage():
    """Every function gpuad.scipy shares with jax.scipy (in the modules walked) has a spec."""
    covered = {_base(n) for n in SPECS}
    missing = []
    for sub in ("special", "linalg", "signal", "integrate"):
        g, j = getattr(gsp, sub), getattr(jax.scipy, sub)
        missing += [f"{sub}.{n}" for n in dir(j) if not n.startswith("_") and hasattr(g, n)
                    and callable(getattr(j, n)) and f"{sub}.{n}" not in covered
                    and f"{sub}.{n}" not in COMPARED_ELSEWHERE]
    for dist in dir(jax.scipy.stats):
        jd, gd = getattr(jax.scipy.stats, dist), getattr(gsp.stats, dist, None)
        if dist in COMPARED_ELSEWHERE:
            continue
        if dist.startswith("_") or gd is None or not isinstance(jd, types.ModuleType):
            continue
        missing += [f"stats.{dist}.{n}" for n in dir(jd) if not n.startswith("_")
                    and hasattr(gd, n) and callable(getattr(jd, n))
                    and f"stats.{dist}.{n}" not in covered
                    and f"stats.{dist}.{n}" not in COMPARED_ELSEWHERE]
    assert not missing, missing
