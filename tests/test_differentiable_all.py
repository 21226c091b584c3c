"""The walk over every public function: each is checked against finite differences, or exempt.

Public functions are those of ``gpuad.numpy`` (with ``linalg``, ``fft``, ``random``),
``gpuad.scipy.*``, ``gpuad.nn.functional``, ``gpuad.linalg``, ``gpuad.masked`` and ``gpuad.ops``
(classes and constants are not walked; a function reachable under several names is one
function). Their derivative specifications live in ``tests/diff_specs/`` (one module per area);
``docs/differentiable.md`` is generated from them.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest
from diff_specs import collect
from diff_specs.scipy import cupy_lacks
from diff_specs.table import REGENERATE, public_functions, render
from op_harness import _perturbed, check_jit_fn, check_jit_refuses, jit_enabled

import gpuad as ad
from gpuad.testing import check_grads

SPECS, EXEMPT = collect()
FUNCTIONS = public_functions()
_NAMES = {n: f for f in FUNCTIONS for n in f.names}


def _spec_params():
    count: dict[str, int] = {}
    params = []
    for spec in SPECS:
        fn = _NAMES.get(spec.name)
        base = fn.name if fn is not None else spec.name
        k = count[base] = count.get(base, 0) + 1
        marks = [pytest.mark.xfail(strict=True, reason=spec.xfail)] if spec.xfail else []
        params.append(pytest.param(spec, id=base if k == 1 else f"{base}#{k}", marks=marks))
    return params


def test_every_public_function_has_a_spec_or_an_exemption():
    covered = {s.name for s in SPECS} | set(EXEMPT)
    missing = [f.name for f in FUNCTIONS if not covered.intersection(f.names)]
    assert not missing, (
        f"{len(missing)} public function(s) with neither a Spec nor an EXEMPT entry in "
        f"tests/diff_specs/: {', '.join(missing)}. Add a Spec (checked against finite "
        f"differences), or an EXEMPT entry saying why it has no derivative")


def test_every_spec_and_exemption_names_a_public_function():
    stale = sorted({s.name for s in SPECS if s.name not in _NAMES}
                   | {n for n in EXEMPT if n not in _NAMES})
    not_walked = [n for n in stale if _exists(n)]
    gone = [n for n in stale if n not in not_walked]
    assert not stale, (
        "tests/diff_specs/ names what is not a public function. "
        + (f"Renamed or removed: {', '.join(gone)}. " if gone else "")
        + (f"Classes and constants are not walked, drop their entries: "
           f"{', '.join(not_walked)}." if not_walked else ""))


def _exists(qualname: str) -> bool:
    import importlib

    module, _, attr = qualname.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), attr)
    except ImportError:
        return False


def test_no_function_is_both_checked_and_exempt():
    both = sorted(f.name for f in FUNCTIONS
                  if {s.name for s in SPECS}.intersection(f.names)
                  and set(EXEMPT).intersection(f.names))
    assert not both, f"both a Spec and an EXEMPT entry (drop one): {', '.join(both)}"


def test_exemptions_give_a_reason():
    vague = sorted(n for n, why in EXEMPT.items() if len(why.split()) < 2)
    assert not vague, f"EXEMPT entries need a reason of a few words: {', '.join(vague)}"


def test_generated_table_is_up_to_date():
    path = Path(__file__).resolve().parents[1] / "docs" / "differentiable.md"
    assert path.exists() and path.read_text() == render(), (
        f"docs/differentiable.md is out of date; regenerate it with `{REGENERATE}`")


# functions whose forward CuPy lacks: on the cupy backend they raise NotImplementedError
CUPY_LACKS = {"gpuad.scipy.linalg.sqrtm": "CuPy has no matrix square root "
                                          "(no cupyx.scipy.linalg.sqrtm)"}


@pytest.mark.parametrize("spec", _spec_params())
def test_derivatives_match_finite_differences(backend, spec):
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    args = spec.args(rng)
    xp = ad.get_backend().xp
    args = tuple(xp.asarray(a) for a in args)
    name = spec.name.split("#")[0]
    if backend == "cupy" and name in CUPY_LACKS:  # the clear error, not a derivative
        with pytest.raises(NotImplementedError, match=name.rsplit(".", 1)[1]):
            spec.fn(*args)
        return
    missing = cupy_lacks(name) if backend == "cupy" else None
    if missing:  # a special function this CuPy's cupyx.scipy.special lacks
        with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special has no"):
            spec.fn(*args)
        return
    _depends_on_its_inputs(spec, args, rng, xp)
    check_grads(spec.fn, args, order=spec.order, modes=spec.modes, rtol=spec.rtol,
                atol=spec.atol)


# specs whose function gpuad.jit does not compile, each with the reason: skipped
_DRAWS = ("draws from gpuad's random generator, which jit refuses by design: compiled "
          "functions take a key (gpuad.jit.random)")
JIT_SKIP: dict[str, str] = {
    **{s.name: _DRAWS for s in SPECS if s.name.startswith("gpuad.numpy.random.")},
    "gpuad.nn.functional.dropout": _DRAWS,
    **{f"gpuad.nn.functional.{k}": _DRAWS for k in (  # the dropout variants
        "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
        "gumbel_softmax", "rrelu_")},
    "gpuad.numpy.asarray_chkfinite": "reads the values to check them, which jit refuses with "
                                     "a TracerError (tests/test_numpy_names.py)",
    "gpuad.scipy.stats.poisson.entropy": "sizes its sum over k by the largest mu, read on "
                                         "the host: jit refuses it with a TracerError",
    "gpuad.linalg.svd_lowrank": _DRAWS,
    "gpuad.linalg.pca_lowrank": _DRAWS,
    **{f"gpuad.linalg.{k}": "chooses its pivots on the host, which jit refuses with a "
                            "TracerError (tests/test_torch_linalg_more.py)"
       for k in ("ldl_factor", "ldl_factor_ex", "ldl_solve")},
}
# ... or refused with a TracerError saying why, which the test checks
JIT_REFUSES: dict[str, str] = {
    "gpuad.numpy.piecewise": "each function runs on the elements its condition selects: a "
                             "value-dependent number of them",
    "gpuad.scipy.linalg.orth": "as many columns as the numerical rank: a value-dependent shape",
    "gpuad.scipy.linalg.null_space": "as many columns as the nullity: a value-dependent shape",
    "gpuad.scipy.linalg.subspace_angles": "through orth: as many angles as the numerical rank",
}
# ... or refused because they read the values that decide the result's shape (which entries
# are kept): a TracerError naming the read
JIT_READS: dict[str, str] = {
    "gpuad.numpy." + k: "which entries are kept depends on the values" for k in (
        "roots", "polydiv", "intersect1d", "union1d", "setdiff1d", "setxor1d", "trim_zeros",
        "unique", "unique_values", "unique_counts", "unique_inverse", "unique_all")}
# numpy.polynomial trims trailing zero coefficients from what these return (NumPy's rule; a
# coefficient being recorded is kept only while it is not exactly 0), and `line` reads whether
# its slope is 0
_BASES = {"polynomial": "poly", "chebyshev": "cheb", "legendre": "leg", "hermite": "herm",
          "hermite_e": "herme", "laguerre": "lag"}
JIT_READS.update({
    f"gpuad.numpy.polynomial.{mod}.{p}{k}": "the series' length depends on its trailing "
                                            "coefficients being 0"
    for mod, p in _BASES.items()
    for k in ("add", "sub", "mul", "div", "pow", "mulx", "roots", "companion", "line")})
JIT_READS.update({
    f"gpuad.numpy.polynomial.{mod}.{name}": "the series' length depends on its trailing "
                                            "coefficients being 0"
    for mod, p in _BASES.items() if mod != "polynomial"
    for name in (f"{p}2poly", f"poly2{p}")})


def _jit_params():
    if not jit_enabled():
        return [pytest.param(None, id="all", marks=pytest.mark.skip(
            reason="compiled-vs-eager checks of every spec run with pytest --jit"))]
    count: dict[str, int] = {}
    params = []
    for spec in SPECS:
        fn = _NAMES.get(spec.name)
        base = fn.name if fn is not None else spec.name
        k = count[base] = count.get(base, 0) + 1
        why = JIT_SKIP.get(spec.name)
        marks = [pytest.mark.skip(reason=f"jit: {why}")] if why else []
        params.append(pytest.param(spec, id=base if k == 1 else f"{base}#{k}", marks=marks))
    return params


@pytest.mark.parametrize("spec", _jit_params())
def test_jit_matches_eager(backend, spec):
    """gpuad.jit of the spec's function (its value, and value_and_grad of a weighted sum of
    its outputs) gives the eager results on the traced arguments and on new values of the
    same signature (tests/op_harness.py: check_jit)."""
    name = spec.name.split("#")[0]
    if backend == "cupy" and name in CUPY_LACKS:
        pytest.skip(CUPY_LACKS[name])
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    xp = ad.get_backend().xp
    xs = [xp.asarray(a) for a in spec.args(rng)]
    missing = cupy_lacks(name) if backend == "cupy" else None
    if missing:  # compiling it raises the eager error
        with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special has no"):
            ad.jit(spec.fn)(*xs)
        return
    # the replays get new draws from the spec's domain (kinks, masks and branches taken on
    # other sides than when traced), and the traced arguments moved by a small amount
    news = [[xp.asarray(a) for a in spec.args(np.random.default_rng(seed))] for seed in (1, 2)]
    news = [n for n in news if [(a.shape, a.dtype) for a in n] == [(a.shape, a.dtype)
                                                                    for a in xs]]
    if name in JIT_REFUSES:
        check_jit_refuses(spec.fn, xs)
        return
    if name in JIT_READS:
        from gpuad.jit import TracerError

        with pytest.raises(TracerError, match="a shape that depends on the value"):
            ad.jit(spec.fn)(*xs)
        return
    check_jit_fn(spec.fn, xs, news=news + [[_perturbed(x, 7) for x in xs]])


def _depends_on_its_inputs(spec, args, rng, xp):
    """A spec of a function that ignores its inputs would check nothing."""
    def flat(out):
        return np.concatenate([np.ravel(np.asarray(_host(o), dtype=complex))
                               for o in ad.tree_flatten(out)[0]] or [np.zeros(0)])

    base = flat(spec.fn(*args))
    moved = flat(spec.fn(*[a + 1e-3 * xp.asarray(rng.standard_normal(a.shape)) for a in args]))
    assert base.shape == moved.shape and not np.array_equal(base, moved), (
        f"{spec.name}: the spec's function does not change when its inputs do; it checks "
        f"nothing")


def _host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return a.get() if hasattr(a, "get") else a


def test_the_walk_finds_new_functions_and_folds_aliases(monkeypatch):
    import gpuad.numpy as gnp

    def brand_new(x):
        return x

    monkeypatch.setattr(gnp, "brand_new", brand_new, raising=False)
    monkeypatch.setattr(gnp, "also_brand_new", brand_new, raising=False)
    found = {f.name: f for f in public_functions()}
    assert found["gpuad.numpy.brand_new"].aliases == ["gpuad.numpy.also_brand_new"]
    assert found["gpuad.numpy.sum"].obj is gnp.sum
    assert "gpuad.numpy.Tensor" not in found and "gpuad.numpy.float64" not in found


def test_the_walk_includes_indexing_objects(monkeypatch):
    import gpuad.numpy as gnp

    class _Joiner:
        def __getitem__(self, key):
            return gnp.concatenate(key)

    _Joiner.__module__ = "gpuad.numpy"
    monkeypatch.setattr(gnp, "j_", _Joiner(), raising=False)
    assert "gpuad.numpy.j_" in {f.name for f in public_functions()}


def test_a_wrong_rule_fails_its_spec(monkeypatch):
    """The specs can fail: sin with a derivative off by 1 % is caught in both modes."""
    from gpuad import rules

    spec = next(s for s in SPECS if s.name == "gpuad.numpy.sin")
    args = spec.args(np.random.default_rng(0))
    monkeypatch.setattr(rules.RULES["sin"], "vjp", lambda g, ans, inputs, params, need:
                        [g * rules.cos(inputs[0]) * 1.01])
    monkeypatch.setattr(rules.RULES["sin"], "jvp", lambda i, t, ans, inputs, params:
                        t * rules.cos(inputs[0]) * 1.01)
    with ad.use_backend("numpy"):  # the formula path (a GPU backend may run a fused kernel)
        for mode, word in (("rev", "reverse"), ("fwd", "forward")):
            with pytest.raises(AssertionError, match=word):
                check_grads(spec.fn, args, order=1, modes=(mode,))
