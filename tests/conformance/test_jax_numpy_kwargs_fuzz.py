"""Random keyword arguments and shapes for the functions gpuad.numpy shares with jax.numpy,
compared with jax.numpy in float64 (x64 on for this module, restored afterwards).

For each case (``_jnp_kwargs_specs.SPECS``: axis None/int/negative/out-of-order tuples,
keepdims, dtype, ddof, where, initial, n/prepend/append, side, weights, q/method, ord,
indexing, k, left/right/period, bins, ...; 0-d, size-0 and size-1 broadcast shapes; reversed,
transposed and strided inputs; integer, bool and complex inputs; NaN/inf for the nan*
functions) three things are compared:

- the value: shape, dtype (JAX's x64 dtype or NumPy's) and numbers (1e-10 relative);
- the gradient of ``sum(real(out * c))`` for a fixed random ``c`` with respect to every
  floating input (1e-8; gpuad's complex gradients are the conjugate of JAX's);
- ``vmap`` over a random axis of one input, against ``jax.vmap``.

gpuad either matches or raises an error of a documented kind; a different result fails.
Where JAX raises and NumPy has the function, NumPy's value is the reference. ``KNOWN`` lists
the deliberate differences with their reasons. By default one case runs for each of a fixed
third of the functions; ``GPUAD_JNP_FUZZ_CASES=N`` runs N random cases for every function,
and ``GPUAD_JNP_FUZZ_SEED`` shifts the seeds (and the third).
"""

from __future__ import annotations

import builtins
import os
import warnings
import zlib

import numpy as np
import pytest
from _jnp_kwargs_specs import CALLS, SPECIAL_INPUTS, SPECS, Draw

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.backends import get_backend  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402

# XLA compiles every new shape (about 0.4 s a case): by default one case each for a fixed
# third of the functions (under a minute); GPUAD_JNP_FUZZ_CASES=N runs N for every function
QUICK = "GPUAD_JNP_FUZZ_CASES" not in os.environ
CASES = int(os.environ.get("GPUAD_JNP_FUZZ_CASES", "1"))
SEED = int(os.environ.get("GPUAD_JNP_FUZZ_SEED", "0"))
NAMES = [n for n in sorted(SPECS) if not QUICK or zlib.crc32(f"{n}:{SEED}".encode()) % 3 == 0]
# the errors by which gpuad may refuse a case (an AttributeError, KeyError or the like is a bug)
REFUSALS = (TypeError, ValueError, IndexError, NotImplementedError, ad.GradError,
            np.linalg.LinAlgError)
RTOL, GRAD_RTOL = 1e-10, 1e-8


def _complex_input(args, kwargs):
    return any(_get(args, kwargs, s).dtype.kind == "c" for s in _slots(args, kwargs))


def _zero_d_keepdims(args, kwargs):
    return np.ndim(args[0]) == 0 and kwargs.get("keepdims", False)


_UNIQUE = ("jax.numpy's unique functions return a zero gradient; gpuad's unique values are "
           "the sorted input values and pass their cotangent to one occurrence each (the "
           "derivative where the values are distinct, checked by finite differences)")
_KEEP0 = ("a 0-d input with keepdims=True: JAX returns shape (1,), NumPy (and gpuad) shape ()")
# (function, what) -> (reason, applies(args, kwargs)): deliberate differences from jax.numpy.
# ``what`` is "value" (NumPy's value is the reference instead of JAX's), "grad" or "vmap"
# (not compared).
KNOWN: dict = {
    ("unique", "grad"): (_UNIQUE, lambda a, k: True),
    ("unique_values", "grad"): (_UNIQUE, lambda a, k: True),
    ("unique_counts", "grad"): (_UNIQUE, lambda a, k: True),
    ("unique_inverse", "grad"): (_UNIQUE, lambda a, k: True),
    ("unique_all", "grad"): (_UNIQUE, lambda a, k: True),
    ("sign", "grad"): ("JAX's derivative of sign is zero, also for complex z where sign(z) = "
                       "z/|z| is smooth away from 0; gpuad differentiates z/|z|",
                       _complex_input),
}
for _n in ("median", "nanmedian", "quantile", "percentile", "nanquantile", "nanpercentile"):
    KNOWN[(_n, "value")] = KNOWN[(_n, "vmap")] = (_KEEP0, _zero_d_keepdims)
# cases gpuad computes: a refusal of one of these fails (pad's statistic modes)
MUST_RUN = {"pad": lambda a, k: k.get("mode") in ("maximum", "minimum", "mean", "median")}
# JAX's gradient is NaN where gpuad's is finite and right: std at zero variance (a single
# element per group: the deviations are identically 0, so is the derivative)
FINITE_ONLY = {"std", "nanstd", "nanstd#ddof"}


def _known(name, what, args, kwargs):
    entry = KNOWN.get((name.split("#")[0], what))
    return entry is not None and entry[1](args, kwargs)


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _resolve(mod, name):
    base = name.split("#")[0]
    for part in base.split("."):
        mod = getattr(mod, part)
    return mod


def _caller(mod, name):
    if name in CALLS:
        return lambda *a, **k: CALLS[name](mod, *a, **k)
    return _resolve(mod, name)


def _leaves(out):
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in _leaves(o)]
    if hasattr(out, "_fields"):
        return [leaf for o in out for leaf in _leaves(o)]
    return [out]


def _is_array(a):
    return isinstance(a, np.ndarray)


def _slots(args, kwargs):
    """Where the arrays are: ("a", i, None), ("a", i, j) inside a list/tuple, ("k", name)."""
    slots = []
    for i, a in enumerate(args):
        if _is_array(a):
            slots.append(("a", i, None))
        elif isinstance(a, (list, tuple)):
            slots += [("a", i, j) for j, e in enumerate(a) if _is_array(e)]
    slots += [("k", k, None) for k, v in kwargs.items() if _is_array(v)]
    return slots


def _get(args, kwargs, slot):
    kind, i, j = slot
    if kind == "k":
        return kwargs[i]
    return args[i] if j is None else args[i][j]


def _substitute(args, kwargs, slots, values):
    args, kwargs = list(args), dict(kwargs)
    for (kind, i, j), v in zip(slots, values, strict=True):
        if kind == "k":
            kwargs[i] = v
        elif j is None:
            args[i] = v
        else:
            seq = list(args[i])
            seq[j] = v
            args[i] = type(args[i])(seq)
    return args, kwargs


def _for_backend(a):
    return get_backend().asarray(a) if _is_array(a) and get_backend().name != "numpy" else a


def _to_gpuad(args, kwargs, slots):
    vals = [_for_backend(_get(args, kwargs, s)) for s in slots]
    return _substitute(args, kwargs, slots, vals)


def _host(a):
    a = to_numpy(a)
    return np.asarray(a)


def _close(got, want, rtol, what, name):
    assert got.shape == want.shape, f"{name}: {what}: shape {got.shape}, expected {want.shape}"
    if want.dtype.kind in "biu" and got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want, err_msg=f"{name}: {what}")
        return
    want_c = want.astype(np.complex128 if want.dtype.kind == "c" else np.float64)
    scale = np.nanmax(np.abs(np.where(np.isfinite(want_c), want_c, 0))) if want.size else 0.0
    np.testing.assert_allclose(got, want_c, rtol=rtol, atol=rtol * (1.0 + scale),
                               equal_nan=True, err_msg=f"{name}: {what}")


class _Refused(Exception):
    pass


def _run_gpuad(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except REFUSALS as e:
        raise _Refused(f"{type(e).__name__}: {e}") from e


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def _jax_call(f, *args):
    """``f(*args)`` compiled whole (one XLA compilation instead of one per primitive), or
    eagerly where the function cannot be traced (a result shape that depends on values)."""
    try:
        return _quiet(lambda: jax.jit(f)(*args))
    except (jax.errors.ConcretizationTypeError, jax.errors.TracerBoolConversionError,
            jax.errors.TracerIntegerConversionError, jax.errors.NonConcreteBooleanIndexError):
        return _quiet(lambda: f(*args))


def _check_values(name, args, kwargs, log):
    """Value check; returns the list of JAX output leaves (or None when there is no reference)."""
    gargs, gkw = _to_gpuad(args, kwargs, _slots(args, kwargs))
    try:
        got = _run_gpuad(lambda: _caller(gnp, name)(*gargs, **gkw))
    except _Refused as e:
        log.append(f"values refused: {e}")
        return None
    slots = _slots(args, kwargs)

    def on_arrays(*v):
        a, k = _substitute(args, kwargs, slots, v)
        return _caller(jnp, name)(*a, **k)

    try:
        want = _jax_call(on_arrays, *[_get(args, kwargs, s) for s in slots])
        ref = "jax"
    except Exception as e:  # noqa: BLE001 -- JAX refuses: NumPy is the reference if it can
        want, ref = None, f"jax raised {type(e).__name__}"
    np_out = None
    try:
        np_out = _quiet(lambda: _caller(np, name)(*args, **kwargs))
    except Exception:  # noqa: BLE001
        pass
    if want is None or _known(name, "value", args, kwargs):
        if np_out is None:
            log.append(f"no reference ({ref})")
            return None
        want, ref = np_out, "numpy"
    gl, wl = _leaves(got), _leaves(want)
    nl = _leaves(np_out) if np_out is not None else None
    assert len(gl) == len(wl), f"{name}: {len(gl)} outputs, {ref} gives {len(wl)}"
    for k, (g, w) in enumerate(zip(gl, wl, strict=True)):
        g, w = _host(g), np.asarray(w)
        n = np.asarray(nl[k]) if nl is not None and len(nl) == len(wl) else None
        if g.dtype != w.dtype and n is not None and g.dtype == n.dtype:
            # gpuad follows NumPy's dtype where JAX's differs (bool -> float16, ...)
            _close(g, n, RTOL, f"value of output {k} vs numpy (NumPy's dtype)", name)
            continue
        assert g.dtype == w.dtype, (f"{name} out {k}: dtype {g.dtype}, {ref} gives {w.dtype}"
                                    + ("" if n is None else f", NumPy {n.dtype}"))
        _close(g, w, RTOL, f"value of output {k} vs {ref}", name)
    return wl if ref == "jax" else None


def _cotangents(leaves, rng):
    cs = []
    for w in leaves:
        w = np.asarray(w)
        if w.dtype.kind == "c":
            cs.append(rng.standard_normal(w.shape) + 1j * rng.standard_normal(w.shape))
        elif w.dtype.kind == "f":
            cs.append(rng.standard_normal(w.shape))
        else:
            cs.append(None)
    return cs


def _loss(m, fn, cs):
    def loss(*out_args):
        out = _leaves(fn(*out_args))
        total = 0.0
        for o, c in zip(out, cs, strict=True):
            if c is not None and o.size:
                total = total + m.sum(m.real(o * c))
        return total
    return loss


def _check_grads(name, args, kwargs, want_leaves, seed, log, slots=None):
    """The gradient with respect to every floating input in ``slots`` (all of them by
    default); where gpuad refuses one of several (q of quantile), each alone."""
    if slots is None:
        slots = [s for s in _slots(args, kwargs)
                 if _get(args, kwargs, s).dtype.kind in "fc" and _get(args, kwargs, s).size]
    cs = _cotangents(want_leaves, np.random.default_rng(seed + 7))
    if not slots or all(c is None for c in cs) or _known(name, "grad", args, kwargs):
        return
    prim = [_get(args, kwargs, s) for s in slots]

    def f_of(m):
        call = _caller(m, name)
        return lambda *v: call(*_substitute(args, kwargs, slots, v)[0],
                               **_substitute(args, kwargs, slots, v)[1])

    try:
        want = _jax_call(jax.grad(_loss(jnp, f_of(jnp), cs), argnums=tuple(range(len(prim)))),
                         *[jnp.asarray(p) for p in prim])
    except Exception as e:  # noqa: BLE001 -- JAX does not differentiate it: nothing to compare
        log.append(f"jax grad raised {type(e).__name__}")
        return
    gcs = [None if c is None else _for_backend(c) for c in cs]
    try:
        got = _run_gpuad(lambda: ad.grad(_loss(gnp, f_of(gnp), gcs), argnums=tuple(
            range(len(prim))))(*[_for_backend(p) for p in prim]))
    except _Refused as e:
        log.append(f"grad refused: {e}")
        if len(slots) > 1:
            for s in slots:
                _check_grads(name, args, kwargs, want_leaves, seed, log, [s])
        return
    for s, g, w in zip(slots, got, want, strict=True):
        w = np.conj(np.asarray(w))
        if name in SPECIAL_INPUTS or name in FINITE_ONLY:  # compare where both are finite
            g = _host(g)
            ok = np.isfinite(w) & np.isfinite(g)
            g, w = np.where(ok, g, 0), np.where(ok, w, 0)
        _close(_host(g), w, GRAD_RTOL, f"gradient wrt {s}", name)


def _check_vmap(name, args, kwargs, d, log):
    slots = [s for s in _slots(args, kwargs) if s[0] == "a"]
    if not slots or _known(name, "vmap", args, kwargs):
        return
    slot = d.pick(slots)
    leaf = _get(args, kwargs, slot)
    B = d.r.randint(1, 3)
    ax = d.r.randint(-leaf.ndim - 1, leaf.ndim)
    if leaf.dtype.kind in "fc":
        variants = [leaf * (1.0 - 0.03 * k) for k in range(B)]
    else:
        variants = [leaf] * B
    batched = np.stack(variants, axis=ax)

    def f_of(m):
        call = _caller(m, name)

        def f(x):
            a, k = _substitute(args, kwargs, [slot], [x])
            if m is gnp:
                a, k = _to_gpuad(a, k, [s for s in _slots(a, k) if s != slot])
            return call(*a, **k)
        return f

    try:
        want = _jax_call(jax.vmap(f_of(jnp), in_axes=ax), batched)
    except Exception as e:  # noqa: BLE001 -- JAX refuses to batch it
        log.append(f"jax vmap raised {type(e).__name__}")
        return
    try:
        got = _run_gpuad(lambda: ad.vmap(f_of(gnp), in_axes=ax)(_for_backend(batched)))
    except _Refused as e:
        log.append(f"vmap refused: {e}")
        return
    gl, wl = _leaves(got), _leaves(want)
    assert len(gl) == len(wl), f"{name} vmap: {len(gl)} outputs, jax {len(wl)}"
    for k, (g, w) in enumerate(zip(gl, wl, strict=True)):
        g, w = _host(g), np.asarray(w)
        tol = RTOL
        if g.dtype != w.dtype:  # NumPy's float16/float32 (or float64) where JAX's differs
            tol = builtins.max((4 * float(np.finfo(t).eps) for t in (g.dtype, w.dtype)
                                if t.kind in "fc"), default=RTOL)
        _close(g, w, tol, f"vmap in_axes={ax} of {slot}, output {k}", name)


def run_case(name: str, seed: int, log: list) -> None:
    d = Draw(seed)
    args, kwargs = SPECS[name](d)
    before = [np.array(_get(args, kwargs, s), copy=True) for s in _slots(args, kwargs)]
    what = f"{name} seed={seed} args={_describe(args)} kwargs={_describe(kwargs)}"
    logged = len(log)
    try:
        want = _check_values(name, args, kwargs, log)
        if want is not None:
            _check_grads(name, args, kwargs, want, seed, log)
        _check_vmap(name, args, kwargs, d, log)
    except AssertionError as e:
        raise AssertionError(f"{what}\n{e}") from None
    except Exception as e:
        raise AssertionError(f"{what}\nunexpected {type(e).__name__}: {e}") from e
    refused = [m for m in log[logged:] if "refused" in m]
    if refused and name in MUST_RUN and MUST_RUN[name](args, kwargs):
        raise AssertionError(f"{what}\ngpuad refused a case it computes: {refused}")
    for s, b in zip(_slots(args, kwargs), before, strict=True):
        np.testing.assert_array_equal(_get(args, kwargs, s), b, err_msg=f"{what}: input {s}")


def _describe(x):
    if isinstance(x, np.ndarray):
        flags = "" if x.flags.c_contiguous else " strided"
        return f"{x.dtype}{list(x.shape)}{flags}"
    if isinstance(x, (list, tuple)):
        return type(x)(_describe(e) for e in x)
    if isinstance(x, dict):
        return {k: _describe(v) for k, v in x.items()}
    return x


def _seed(name, k):
    return zlib.crc32(f"{name}:{k + SEED * 1000}".encode())


@pytest.mark.parametrize("name", NAMES)
def test_random_kwargs_against_jax(backend, name):
    log: list = []
    for k in range(CASES):
        run_case(name, _seed(name, k), log)


def test_spec_count():
    """The fuzzer walks at least 150 of jax.numpy's functions that gpuad.numpy has."""
    names = {n.split("#")[0] for n in SPECS}
    missing = [n for n in names if not hasattr(jnp, n.split(".")[0])]
    assert not missing, missing
    assert len(names) >= 150, len(names)
