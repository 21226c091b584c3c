"""Kept branches under ``gpuad.jit`` (gpuad/jit/guards.py): a call whose values take another
branch of gpuad's own code than a compiled program holds is traced again, and both programs
are kept; where the replay had already written what the caller sees, the BranchError says so.
Every compiled result is compared with the eager one (and the eager derivative with central
differences), on the numpy backend and on the cupy stand-in's CUDA-graph path."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import _value_checks as vc
from gpuad import optim
from gpuad.testing import check_grads


def _a(v):  # a fresh array (never one of the constants below: donation overwrites)
    return ad.get_backend().xp.array(np.array(v, dtype=np.float64))


_REG = np.array([[2.0, 0.3], [0.3, 1.0]])  # well conditioned, distinct eigenvalues
_SING = np.array([[1.0, 2.0], [2.0, 4.0]])  # singular (rank 1)
_REP = 2.0 * np.eye(2)  # a repeated eigenvalue (and singular value)
_TALL = np.array([[1.0, 0.5], [0.2, 1.5], [0.7, -0.4]])
_TALL_REP = np.array([[3.0, 0.0], [0.0, 3.0], [0.0, 0.0]])  # two equal singular values


def _det_sq(a):  # second derivatives of det: solves when regular, an SVD near singular
    return gnp.sum(ad.grad(gnp.linalg.det)(a) ** 2)


def _eig_sq(a):  # eigh's adjoint tests for repeated eigenvalues
    return gnp.sum(gnp.linalg.eigh(a)[0] ** 2)


def _svd_sq(a):  # svd's adjoint tests for repeated singular values
    return gnp.sum(gnp.linalg.svd(a, full_matrices=False)[1] ** 2)


CASES = {  # name: (function, values taking one branch, values taking the other)
    "det": (_det_sq, _REG, _SING),
    "eigh": (_eig_sq, _REG, _REP),
    "svd": (_svd_sq, _TALL, _TALL_REP),
}


@pytest.mark.parametrize("swap", [False, True], ids=["regular_first", "degenerate_first"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_gradient_alternates_between_branches(backend, name, swap):
    """Traced first on the degenerate values, jit's post-trace check runs the program on
    perturbed (regular) values, which take the other branch: nothing to compare, no error."""
    f, one, other = CASES[name]
    if swap:
        one, other = other, one
    j = ad.jit(ad.grad(f))
    order = [one, one, other, one, other, other, one]
    for x in order:
        got = to_numpy(j(_a(x)))
        want = to_numpy(ad.grad(f)(_a(x)))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    info = j.cache_info()
    assert info["size"] == 1 and info["misses"] == 2 and info["branch_retraces"] == 1, info
    variants = info["entries"][0]["variants"]
    assert len(variants) == 2 and variants[0]["branches"] != variants[1]["branches"]
    assert sum(v["calls"] for v in variants) == len(order)
    assert variants[0] == {k: v for k, v in info["entries"][0].items()
                           if k not in ("signature", "variants")}
    if backend == "numpy" and not swap:  # the eager derivatives themselves, on both branches
        for x in (one, other):
            check_grads(f, (_a(x),), order=1, modes=("rev",))


_R = np.random.default_rng(0)
_FULL = _R.standard_normal((5, 3))
_DEF = _FULL.copy()
_DEF[:, 2] = _DEF[:, 1]  # rank 2
_V = _R.standard_normal(10)
_NAN = np.r_[np.nan, np.nan, _V[2:]]

# values that choose a result's dtype or shape: name -> (function, one call, the other)
SHAPES = {
    "lstsq": (lambda a, y: gnp.linalg.lstsq(a, y)[1], (_FULL, _V[:5]), (_DEF, _V[:5])),
    "real_if_close": (gnp.real_if_close, (np.array([1 + 1e-20j]),), (np.array([1 + 1j]),)),
    "nanmedian": (gnp.nanmedian, (_V,), (_NAN,)),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_result_dtype_or_shape_follows_the_values(backend, name):
    f, one, other = SHAPES[name]
    j = ad.jit(f)
    xp = ad.get_backend().xp
    for args in (one, one, one, other, one, other):
        args = tuple(xp.array(a) for a in args)
        got, want = to_numpy(j(*args)), to_numpy(f(*(ad.Tensor(a) for a in args)))
        assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert j.cache_info()["branch_retraces"] == 1


def test_branch_retrace_reports_the_eager_error(backend):
    """slogdet's derivative does not exist at a singular matrix: the call traced again raises
    as eagerly, and the program of regular matrices keeps working."""
    f = ad.jit(ad.grad(lambda a: gnp.linalg.slogdet(a)[1]))
    np.testing.assert_allclose(to_numpy(f(_a(_REG))), np.linalg.inv(_REG).T, rtol=1e-12)
    with pytest.raises(ad.GradError, match="singular"):
        f(_a(_SING))
    np.testing.assert_allclose(to_numpy(f(_a(_REG * 2))), np.linalg.inv(_REG * 2).T,
                               rtol=1e-12)
    assert len(f.cache_info()["entries"][0]["variants"]) == 1


def test_variant_bound(backend):
    f = ad.jit(ad.grad(_det_sq), max_variants=1)
    f(_a(_REG))
    with pytest.raises(vc.BranchError, match=r"max_variants=1"):
        f(_a(_SING))
    np.testing.assert_allclose(to_numpy(f(_a(_REG))), to_numpy(ad.grad(_det_sq)(_a(_REG))))
    with pytest.raises(ValueError, match="max_variants"):
        ad.jit(_det_sq, max_variants=0)


def test_grad_of_jit(backend):
    f = ad.jit(_eig_sq)
    g = ad.grad(f)
    for x in (_REG, _REP, _REG, _REP):
        np.testing.assert_allclose(to_numpy(g(_a(x))), to_numpy(ad.grad(_eig_sq)(_a(x))),
                                   rtol=1e-10, atol=1e-12)
    assert f._pull.cache_info()["branch_retraces"] == 1


def test_grad_of_jit_keeps_the_variant_bound(backend):
    """The compiled backward of grad(jit(f)) holds the bound the user gave jit."""
    g = ad.grad(ad.jit(_eig_sq, max_variants=1))
    g(_a(_REG))
    g(_a(_REG))  # (the first call runs eagerly; the second compiles the backward)
    with pytest.raises(vc.BranchError, match=r"max_variants=1"):
        g(_a(_REP))


def test_vmap_under_jit(backend):
    """Inside vmap one branch serves the batch: a batch with a repeated eigenvalue anywhere
    takes the other branch."""
    f = ad.jit(ad.vmap(ad.grad(_eig_sq)))
    both = np.stack([_REG, _REP])
    for x in (np.stack([_REG, _REG * 3]), both, np.stack([_REG, _REG * 3]), both):
        np.testing.assert_allclose(to_numpy(f(_a(x))), to_numpy(ad.vmap(ad.grad(_eig_sq))(
            _a(x))), rtol=1e-10, atol=1e-12)
    assert f.cache_info()["branch_retraces"] == 1


def test_donated_argument_overwritten_before_the_check(backend):
    """On the CPU the memory plan writes ``a * 2`` into the donated ``a`` before the branch
    check: that call cannot be traced again, and the error says so (the cupy backend's plan
    writes into no argument: it traces again)."""
    def k(a, b):
        return ad.grad(_det_sq)(a * 2.0 + b)

    f = ad.jit(k, donate_argnums=(0,))
    for x, changed in ((_REG, False), (_REG * 2, False), (_SING / 3, True)):
        want = to_numpy(ad.grad(_det_sq)(_a(x * 2 + x / 3)))
        if changed and backend == "numpy":
            with pytest.raises(vc.BranchError, match="donated argument"):
                f(_a(x), _a(x / 3))
        else:
            np.testing.assert_allclose(to_numpy(f(_a(x), _a(x / 3))), want, rtol=1e-10)
    assert f.cache_info()["branch_retraces"] == (backend != "numpy")


# ---- a training step whose branch changes ---------------------------------------------------

def _loss(w, c):
    """eigh's adjoint skips the eigenvector part where its cotangent is zero (c == 0)."""
    lam, v = gnp.linalg.eigh(w + gnp.transpose(w))
    return gnp.sum(lam ** 2) + gnp.sum(c * v[:, 0] ** 3)


def _trainer(compiled: bool, after: bool = False):
    w = ad.Tensor(_a([[1.0, 0.2], [0.1, 0.5]]), requires_grad=True)
    opt = optim.Adam([w], lr=0.05)

    def step(c):
        opt.zero_grad()
        loss = _loss(w, c * 0.0 if after else c)  # (after: the same branch on every call)
        loss.backward()
        opt.step()
        if after:  # a kept branch after the parameters are written
            return ad.grad(_loss)(w.detach(), c)
        return loss
    return w, opt, (ad.jit(step) if compiled else step)


def test_training_step_retraces_before_any_write(backend):
    w, opt, step = _trainer(True)
    w0, opt0, step0 = _trainer(False)
    for c in (0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0):
        got, want = step(_a(c)), step0(_a(c))
        np.testing.assert_allclose(float(got), float(want), rtol=1e-12)
        np.testing.assert_allclose(to_numpy(w), to_numpy(w0), rtol=1e-12)  # updated once
        assert opt.step_count == opt0.step_count
        assert opt.state[0]["t"] == opt0.state[0]["t"]
    info = step.cache_info()
    assert info["branch_retraces"] >= 1 and len(info["entries"][0]["variants"]) == 2, info
    if backend != "numpy":  # its branches are read in order, before the writes
        assert info["entries"][0]["graph"].startswith("off"), info


def test_branch_after_a_parameter_write_raises_why(backend):
    w, opt, step = _trainer(True, after=True)
    w0, opt0, step0 = _trainer(False, after=True)
    for c in (0.0, 0.0, 0.0):
        np.testing.assert_allclose(to_numpy(step(_a(c))), to_numpy(step0(_a(c))), rtol=1e-12)
    step0(_a(1.0))
    with pytest.raises(vc.BranchError, match="already written.*argument or a captured array"):
        step(_a(1.0))
    # the replay's update ran once, as the eager step's did; nothing ran twice
    np.testing.assert_allclose(to_numpy(w), to_numpy(w0), rtol=1e-12)
    assert opt.step_count == opt0.step_count


# ---- the CUDA-graph path ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["det", "eigh"])
def test_graph_reads_branches_after_launch(backend, name):
    """eigh: the failed check is read after the launch; det: a solve left out of the graph
    fails on the singular matrix first, and the check before it is reported instead."""
    if backend != "cupy":
        pytest.skip("CUDA-graph capture: the cupy backend")
    fn, one, other = CASES[name]
    f = ad.jit(ad.grad(fn))
    for x in (one, one * 2, one * 3, one, other, one, other):
        np.testing.assert_allclose(to_numpy(f(_a(x))), to_numpy(ad.grad(fn)(_a(x))),
                                   rtol=1e-10, atol=1e-12)
    variants = f.cache_info()["entries"][0]["variants"]
    regular = next(v for v in variants if v["calls"] == 5)
    assert regular["graph"] == "captured" and regular["launches"] >= 3, regular


def test_program_without_branches_is_unchanged(backend):
    f = ad.jit(ad.grad(lambda a: gnp.sum(a ** 3)))
    for x in (_REG, _SING):
        f(_a(x))
    info = f.cache_info()
    assert info["branch_retraces"] == 0
    assert info["entries"][0]["branches"] == [] and len(info["entries"][0]["variants"]) == 1
