"""gpuad.numpy covers what HIPS autograd differentiates: values equal NumPy's, derivatives
match finite differences (first and second order, both modes) and HIPS autograd."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from conftest import to_numpy
from op_harness import check_op

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads, numerical_grad

R = np.random.default_rng(0)
V = R.standard_normal(5)
V2 = R.standard_normal(4)
M = R.standard_normal((3, 4))
M2 = R.standard_normal((3, 4))
SQ = R.standard_normal((3, 3))
T3 = R.standard_normal((2, 3, 4))
POS = R.uniform(0.5, 2.0, (3, 4))
XS = np.array([0.3, 1.1, 1.7, 2.9, 4.2])

CASES = [
    # elementwise
    ("fmax", lambda m, a, b: m.fmax(a, b), [M, M2]),
    ("fmin", lambda m, a, b: m.fmin(a, b), [M, M2]),
    ("fabs", lambda m, a: m.fabs(a), [M]),
    ("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), [M, M2]),
    ("degrees", lambda m, a: m.degrees(a), [M]),
    ("radians", lambda m, a: m.radians(a), [M]),
    ("copysign", lambda m, a, b: m.copysign(a, b), [M, M2]),
    ("float_power", lambda m, a, b: m.float_power(a, b), [POS, M]),
    ("mod", lambda m, a, b: m.mod(a, b), [M * 3, POS]),
    ("remainder_neg", lambda m, a, b: m.remainder(a, b), [M * 3, -POS]),
    ("fmod", lambda m, a, b: m.fmod(a, b), [M * 3, POS]),
    ("fmod_neg", lambda m, a, b: m.fmod(a, b), [M * 3, -POS]),
    ("divmod", lambda m, a, b: m.divmod(a, b)[1], [M * 3, POS]),
    ("modf", lambda m, a: m.modf(a * 3)[0], [M]),
    ("frexp", lambda m, a: m.frexp(a * 5)[0], [M]),
    ("ldexp", lambda m, a: m.ldexp(a, np.array([1, -2, 3, 0])), [M]),
    ("nan_to_num", lambda m, a: m.nan_to_num(a), [M]),
    # joining, splitting, rearranging
    ("r_", lambda m, a, b: m.r_[a, 0.5, b], [V, V2]),
    ("r_axis", lambda m, a, b: m.r_["1", a, b], [M, M2]),
    ("c_", lambda m, a, b: m.c_[a, b], [V2, V2 + 1]),
    ("append", lambda m, a, b: m.append(a, b), [M, V]),
    ("append_axis", lambda m, a, b: m.append(a, b, axis=0), [M, M2]),
    ("split", lambda m, a: m.split(a, 2, axis=1), [M]),
    ("array_split", lambda m, a: m.array_split(a, 3), [V]),
    ("hsplit", lambda m, a: m.hsplit(a, [1, 3]), [M]),
    ("vsplit", lambda m, a: m.vsplit(a, 3), [M]),
    ("dsplit", lambda m, a: m.dsplit(a, 2), [T3]),
    ("column_stack", lambda m, a, b: m.column_stack([a, b]), [V2, M2.T]),
    ("row_stack", lambda m, a, b: m.vstack([a, b]), [V2, M2]),
    ("atleast_3d", lambda m, a, b: m.atleast_3d(a, b), [V, M]),
    ("dstack", lambda m, a, b: m.dstack([a, b]), [M, M2]),
    ("block", lambda m, a, b: m.block([[a, b], [b, a]]), [M, M2]),
    ("block_1d", lambda m, a, b: m.block([a, b]), [V, V2]),
    ("rollaxis", lambda m, a: m.rollaxis(a, 2, 0), [T3]),
    ("rollaxis_start", lambda m, a: m.rollaxis(a, 0, 3), [T3]),
    ("rot90", lambda m, a: m.rot90(a), [M]),
    ("rot90_k3", lambda m, a: m.rot90(a, 3, axes=(1, 2)), [T3]),
    ("rot90_k2", lambda m, a: m.rot90(a, -2), [M]),
    ("kron", lambda m, a, b: m.kron(a, b), [SQ, M[:2, :2]]),
    ("kron_mixed", lambda m, a, b: m.kron(a, b), [V2, M]),
    ("select", lambda m, a, b: m.select([a < 0, b > 0.5], [a * b, m.sin(b)], default=a),
     [M, M2]),
    ("partition", lambda m, a: m.sort(m.partition(a, 2, axis=1), axis=1), [M]),
    ("partition_kth", lambda m, a: m.partition(a, 2)[..., 2], [M]),
    ("piecewise", lambda m, a: m.piecewise(a, [a < 0, a >= 0],
                                           [lambda v: -v * v, lambda v: m.sqrt(v + 1.0)]),
     [M]),
    ("piecewise_default", lambda m, a: m.piecewise(a, [a < -0.5], [lambda v: v ** 3, 0.25]),
     [M]),
    ("diagflat", lambda m, a: m.diagflat(a, 1), [V2]),
    ("swapaxes_kw", lambda m, a: m.swapaxes(a, axis1=0, axis2=2), [T3]),
    ("cross_axes", lambda m, a, b: m.cross(a, b, axisa=0, axisb=0, axisc=1),
     [M[:, :2], M2[:, :2]]),
    ("cross_axis", lambda m, a, b: m.cross(a, b, axis=0), [M, M2]),
    ("cross_2d", lambda m, a, b: m.cross(a[..., :3], b[..., :2]), [M, M2]),
    ("cross_2d_3d", lambda m, a, b: m.cross(a[..., :2], b[..., :3]), [M, M2]),
    ("tensordot", lambda m, a, b: m.tensordot(a, b, axes=([1, 2], [0, 1])), [T3, M]),
    ("trace_offset", lambda m, a: m.trace(a, 1, 1, 2), [T3]),
    ("triu", lambda m, a: m.triu(a, 1), [M]),
    ("tril", lambda m, a: m.tril(a, -1), [T3]),
    ("diag", lambda m, a: m.diag(a, -1), [V2]),
    ("einsum_sublist", lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), [M, M2.T]),
    ("einsum_optimize", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c, optimize=True),
     [M, M2.T, SQ]),
    ("einsum_dtype", lambda m, a: m.einsum("ii->i", a, dtype=np.float64), [SQ]),
    # reductions with NumPy's signatures
    ("prod_dtype", lambda m, a: m.prod(a, 1, np.float64), [M]),
    ("prod_where", lambda m, a: m.prod(a, axis=0, where=a > -0.5), [M]),
    ("sum_initial_where", lambda m, a: m.sum(a, 1, initial=2.0, where=a > 0), [M]),
    ("max_initial", lambda m, a: m.max(a, axis=1, initial=0.3), [M]),
    ("min_where", lambda m, a: m.min(a, axis=0, initial=0.1, where=a < 0.5), [M]),
    ("mean_where", lambda m, a: m.mean(a, axis=1, where=a > -1), [M]),
    ("var_ddof", lambda m, a: m.var(a, axis=1, ddof=1), [M]),
    ("std_ddof", lambda m, a: m.std(a, 0, ddof=2), [M]),
    ("var_where", lambda m, a: m.var(a, where=a > -1), [M]),
    ("std_correction", lambda m, a: m.std(a, axis=1, correction=1), [M]),
    ("cumsum_dtype", lambda m, a: m.cumsum(a, 1, np.float64), [M]),
    ("cumprod_dtype", lambda m, a: m.cumprod(a, dtype=np.float64), [M]),
    ("sort_kind", lambda m, a: m.sort(a, axis=0, kind="stable"), [M]),
    ("sort_none", lambda m, a: m.sort(a, axis=None), [M]),
    # statistics
    ("ptp", lambda m, a: m.ptp(a, axis=1), [M]),
    ("median_tuple", lambda m, a: m.median(a, axis=(0, 2)), [T3]),
    ("median_keepdims", lambda m, a: m.median(a, axis=1, keepdims=True), [M]),
    ("quantile", lambda m, a: m.quantile(a, 0.3), [M]),
    ("quantile_vec", lambda m, a: m.quantile(a, [0.1, 0.5, 0.77], axis=1, keepdims=True), [M]),
    ("quantile_axes", lambda m, a: m.quantile(a, np.array([[0.2], [0.9]]), axis=(0, 2)), [T3]),
    ("percentile", lambda m, a: m.percentile(a, [25, 60], axis=0), [M]),
    ("quantile_hazen", lambda m, a: m.quantile(a, 0.35, axis=1, method="hazen"), [M]),
    ("quantile_lower", lambda m, a: m.quantile(a, 0.35, axis=1, method="lower"), [M]),
    ("quantile_nearest", lambda m, a: m.quantile(a, 0.6, axis=0, method="nearest"), [M]),
    ("quantile_midpoint", lambda m, a: m.quantile(a, 0.35, axis=1, method="midpoint"), [M]),
    ("cov", lambda m, a: m.cov(a), [M]),
    ("cov_y", lambda m, a, b: m.cov(a, b, rowvar=False, bias=True), [M, M2]),
    ("cov_weights", lambda m, a: m.cov(a, fweights=np.array([1, 2, 1, 3]),
                                       aweights=np.array([0.5, 1.0, 2.0, 1.5])), [M]),
    ("corrcoef", lambda m, a: m.corrcoef(a), [M]),
    ("corrcoef_xy", lambda m, a, b: m.corrcoef(a, b), [V, M2.ravel()[:5]]),
    ("interp", lambda m, x, fp: m.interp(x, XS, fp), [np.array([0.1, 0.5, 1.3, 2.2, 4.0, 5.0]),
                                                     V]),
    ("interp_xp", lambda m, x, xp, fp: m.interp(x, xp, fp, left=-1.0, right=2.0),
     [np.array([0.1, 0.5, 1.3, 2.2, 4.0, 5.0]), XS, V]),
    ("interp_period", lambda m, x, fp: m.interp(x, XS, fp, period=5.0),
     [np.array([-1.5, 0.5, 2.2, 6.4]), V]),
    ("trapezoid", lambda m, y: m.trapezoid(y, dx=0.5, axis=0), [M]),
    ("trapezoid_x", lambda m, y, x: m.trapezoid(y, x), [V, np.cumsum(POS.ravel()[:5])]),
    ("convolve", lambda m, a, v: m.convolve(a, v), [V, V2[:3]]),
    ("convolve_same", lambda m, a, v: m.convolve(a, v, mode="same"), [V, V2]),
    ("convolve_same_swap", lambda m, a, v: m.convolve(a, v, mode="same"), [V2[:2], V]),
    ("convolve_valid", lambda m, a, v: m.convolve(a, v, mode="valid"), [V2, V]),
    ("correlate", lambda m, a, v: m.correlate(a, v), [V, V2[:3]]),
    ("correlate_full_swap", lambda m, a, v: m.correlate(a, v, "full"), [V2[:3], V]),
    ("correlate_same", lambda m, a, v: m.correlate(a, v, "same"), [V, V2]),
    ("correlate_same_swap", lambda m, a, v: m.correlate(a, v, "same"), [V2, V]),
    ("gradient", lambda m, a: m.gradient(a), [M]),
    ("gradient_axis", lambda m, a: m.gradient(a, 0.5, axis=1, edge_order=2), [M]),
    ("gradient_coords", lambda m, a: m.gradient(a, XS), [V]),
    ("gradient_coords2", lambda m, a: m.gradient(a, XS, edge_order=2), [V]),
    ("full_tensor", lambda m, s: m.full((2, 3), s), [np.array(1.5)]),
    ("full_like_tensor", lambda m, s: m.full_like(np.ones((2, 3)), s), [np.array(1.5)]),
    ("pad_tensor_fill", lambda m, a, s: m.pad(a, 1, constant_values=s), [M, np.array(0.7)]),
    # NumPy's parameter names and options for the core functions
    ("reshape_F", lambda m, a: m.reshape(a, shape=(4, 3), order="F"), [M]),
    ("reshape_copy", lambda m, a: m.reshape(a, (2, -1), copy=True), [M]),
    ("ravel_F", lambda m, a: m.ravel(a, order="F"), [M]),
    ("transpose_kw", lambda m, a: m.transpose(a=a, axes=(2, 0, 1)), [T3]),
    ("broadcast_to_kw", lambda m, a: m.broadcast_to(array=a, shape=(2, 5)), [V]),
    ("diff_prepend", lambda m, a: m.diff(a, axis=0, prepend=0.5, append=a[:1]), [M]),
    ("diff_n2", lambda m, a: m.diff(a=a, n=2, prepend=a[:, :1]), [M]),
    ("take_wrap", lambda m, a: m.take(a, np.array([0, 5, -7]), axis=1, mode="wrap"), [M]),
    ("take_clip", lambda m, a: m.take(a, np.array([0, 15, -7]), mode="clip"), [M]),
    ("take_along_none", lambda m, a: m.take_along_axis(a, np.array([3, 0, 11]), axis=None), [M]),
    ("average_w1d", lambda m, a, w: m.average(a, axis=1, weights=w, returned=True), [M, POS[0]]),
    ("average_keepdims", lambda m, a, w: m.average(a, axis=0, weights=w, keepdims=True),
     [M, POS]),
    ("average_returned", lambda m, a: m.average(a, axis=1, returned=True)[0], [M]),
    ("concatenate_none", lambda m, a, b: m.concatenate([a, b], axis=None), [M, V]),
    ("stack_dtype", lambda m, a, b: m.stack([a, b], axis=1, dtype=np.float64), [M, M2]),
    ("hstack_dtype", lambda m, a, b: m.hstack((a, b), dtype=np.float64), [M, M2]),
    ("pad_reflect", lambda m, a: m.pad(a, ((1, 2), (0, 1)), mode="reflect"), [M]),
    ("pad_wrap", lambda m, a: m.pad(array=a, pad_width=2, mode="wrap"), [V]),
    ("clip_minmax", lambda m, a: m.clip(a, min=-0.5, max=0.7), [M]),
    ("flip_kw", lambda m, a: m.flip(m=a, axis=(0, 1)), [M]),
    ("tile_kw", lambda m, a: m.tile(A=a, reps=(2, 1)), [M]),
    ("diagonal_kw", lambda m, a: m.diagonal(a=a, offset=1, axis1=1, axis2=2), [T3]),
    ("linspace", lambda m, a, b: m.linspace(a, b, 5), [np.array(0.3), np.array(2.1)]),
    ("linspace_vec", lambda m, a, b: m.linspace(a, b, 4, endpoint=False, axis=1), [V2, V2 + 1]),
    ("meshgrid", lambda m, a, b: m.meshgrid(a, b), [V, V2]),
    ("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij", sparse=True), [V, V2]),
]


# ops gpuad.jit refuses to compile (tests/op_harness.py: check_jit_refuses), with the reason
JIT_REFUSES = {
    "piecewise": "each function runs on the elements its condition selects: a value-dependent "
                 "number of them",
    "piecewise_default": "each function runs on the elements its condition selects",
}


@pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")
@pytest.mark.parametrize("name,fn,args", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients(backend, name, fn, args):
    refusal = _numpy_refusal(fn, args)
    if refusal is not None:  # the installed NumPy refuses the case: so does gpuad
        xp = ad.get_backend().xp
        with pytest.raises(ValueError, match=re.escape(str(refusal))):
            fn(gnp, *[xp.asarray(np.asarray(a, dtype=np.float64)) for a in args])
        return
    check_op(fn, args, order=2, rtol=1e-9, atol=1e-12, jit_refuses=JIT_REFUSES.get(name))


def _numpy_refusal(fn, args):
    """NumPy's ValueError for the case, or None (NumPy 2.5 refuses 2-element vectors in
    cross, which NumPy 2.0 to 2.4 deprecate)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            fn(np, *[np.asarray(a, dtype=np.float64) for a in args])
        except ValueError as e:
            return e
    return None


@pytest.mark.parametrize("lengths", [(2, 2), (2, 3), (3, 2)])
def test_cross_of_2_vectors_does_what_numpy_does(backend, monkeypatch, lengths):
    """gnp.cross of 2-element vectors warns where the installed NumPy warns and refuses, with
    NumPy's message, where it refuses (NumPy 2.5; simulated here by a refusing numpy.cross)."""
    xp = ad.get_backend().xp
    a, b = (xp.asarray(np.arange(1.0, n + 1)) for n in lengths)
    with warnings.catch_warnings(record=True) as mine:
        warnings.simplefilter("always")
        gnp.cross(a, b)
    with warnings.catch_warnings(record=True) as numpys:
        warnings.simplefilter("always")
        np.cross(np.ones(lengths[0]), np.ones(lengths[1]))
    assert [str(w.message) for w in mine] == [str(w.message) for w in numpys]

    def refusing(x, y, *args, **kwargs):
        raise ValueError(f"Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they are {np.shape(x)[-1]} and {np.shape(y)[-1]} dimensional instead.")

    monkeypatch.setattr(np, "cross", refusing)
    with pytest.raises(ValueError, match=re.escape(f"cross: Both input arrays must be (arrays "
                                                   f"of) 3-dimensional vectors, but they are "
                                                   f"{lengths[0]} and {lengths[1]}")):
        gnp.cross(a, b)


# NaN-aware reductions: NaN positions are constants, the rest are differentiated
XN = M.copy()
XN[0, 1] = XN[2, 3] = np.nan
XN_ALLNAN = XN.copy()
XN_ALLNAN[:, 2] = np.nan
NAN_CASES = [
    ("nansum", lambda m, a: m.nansum(a, axis=1)),
    ("nanprod", lambda m, a: m.nanprod(a, axis=0)),
    ("nanmean", lambda m, a: m.nanmean(a, axis=1, keepdims=True)),
    ("nanvar", lambda m, a: m.nanvar(a, axis=1, ddof=1)),
    ("nanstd", lambda m, a: m.nanstd(a)),
    ("nanmax", lambda m, a: m.nanmax(a, axis=1)),
    ("nanmin", lambda m, a: m.nanmin(a, axis=0)),
    ("nancumsum", lambda m, a: m.nancumsum(a, axis=1)),
    ("nancumprod", lambda m, a: m.nancumprod(a)),
    ("nanmedian", lambda m, a: m.nanmedian(a, axis=1)),
    ("nanmedian_all", lambda m, a: m.nanmedian(a)),
    ("nanquantile", lambda m, a: m.nanquantile(a, [0.2, 0.7], axis=1)),
    ("nanpercentile", lambda m, a: m.nanpercentile(a, 40, axis=0, keepdims=True)),
    ("nansum_where", lambda m, a: m.nansum(a, axis=0, where=np.arange(4) != 2, initial=0.5)),
    ("nanmean_where", lambda m, a: m.nanmean(a, axis=1, where=np.arange(4) != 0)),
    ("nanvar_correction", lambda m, a: m.nanvar(a, axis=0, correction=1)),
    ("nanstd_where", lambda m, a: m.nanstd(a, where=np.arange(4) > 0)),
    ("nanmax_initial", lambda m, a: m.nanmax(a, axis=1, initial=0.2)),
    ("nanmin_where", lambda m, a: m.nanmin(a, axis=0, initial=0.3, where=np.arange(4) < 3)),
    ("nanprod_where", lambda m, a: m.nanprod(a, axis=1, where=np.arange(4) != 1)),
    ("quantile_nan", lambda m, a: m.quantile(a, 0.4, axis=1)),
    ("median_nan", lambda m, a: m.median(a, axis=0)),
]


def _finite_part(fn, base):
    """``fn`` of ``base`` with its non-NaN entries replaced by the argument (the NaNs fixed)."""
    mask = np.isnan(base)

    def f(m, a):
        full = m.where(mask, np.nan, a) if m is gnp else np.where(mask, np.nan, a)
        return fn(m, full)

    return f


@pytest.mark.parametrize("base", [XN, XN_ALLNAN], ids=["nan", "allnan"])
@pytest.mark.parametrize("name,fn", NAN_CASES, ids=[c[0] for c in NAN_CASES])
def test_nan_reductions(backend, name, fn, base):
    f = _finite_part(fn, base)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = fn(np, base)
        got = to_numpy(fn(gnp, gnp.asarray(base)))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

        def loss(a):
            r = f(gnp, a)
            return gnp.where(gnp.isnan(r), 0.0, r)

        filled = np.where(np.isnan(base), 0.0, base)
        check_grads(loss, [filled], order=2, modes=("fwd", "rev"))


# ---- against HIPS autograd -----------------------------------------------------------------

HIPS = [
    ("fmax", lambda m, a, b: m.sum(m.fmax(a, b) ** 2), [M, M2]),
    ("logaddexp2", lambda m, a, b: m.sum(m.logaddexp2(a, b)), [M, M2]),
    ("mod", lambda m, a, b: m.sum(m.mod(a, b) * a), [M * 3, POS]),
    ("remainder", lambda m, a, b: m.sum(m.remainder(a, b) ** 2), [M * 3, POS]),
    ("nan_to_num", lambda m, a, b: m.sum(m.nan_to_num(a) * b), [M, M2]),
    ("kron", lambda m, a, b: m.sum(m.sin(m.kron(a, b))), [SQ, M]),
    ("rot90", lambda m, a, b: m.sum(m.rot90(a, 3) * b.T), [M, M2]),
    ("rollaxis", lambda m, a, b: m.sum(m.rollaxis(a, 2) ** 3), [T3, M]),
    ("atleast_3d", lambda m, a, b: m.sum(m.atleast_3d(a) * 2.0), [V, M]),
    ("split", lambda m, a, b: m.sum(m.hsplit(a, 2)[1] ** 2), [M, M2]),
    ("column_stack", lambda m, a, b: m.sum(m.column_stack([a, a]) ** 2 * b[:, :2]),
     [M[:, 0], M2]),
    ("select", lambda m, a, b: m.sum(m.select([a > 0, b > 0], [a * b, a + b], default=b)),
     [M, M2]),
    ("partition", lambda m, a, b: m.sum(m.partition(a[0], 1)[1:] ** 2), [M, M2]),
    ("append", lambda m, a, b: m.sum(m.append(a, b) ** 2), [M, V]),
    ("gradient", lambda m, a, b: m.sum(m.gradient(a[0]) ** 2 * b[0]), [M, M2]),
    ("std_ddof", lambda m, a, b: m.sum(m.std(a, axis=1, ddof=1)) * m.var(b, ddof=1), [M, M2]),
    ("prod", lambda m, a, b: m.sum(m.prod(a, axis=1)), [M, M2]),
    ("cumsum", lambda m, a, b: m.sum(m.cumsum(a, axis=1) ** 2), [M, M2]),
    ("tensordot", lambda m, a, b: m.sum(m.tensordot(a, b, axes=([0], [0])) ** 2), [M, M2]),
    ("einsum", lambda m, a, b: m.sum(m.einsum("ij,kj->ik", a, b) ** 2), [M, M2]),
    ("trace_triu", lambda m, a, b: m.trace(m.triu(a @ b.T)) + m.sum(m.tril(a) ** 2), [M, M2]),
    ("full", lambda m, a, b: m.sum(m.full((2, 2), a[0, 0]) * 3.0), [M, M2]),
    ("swapaxes", lambda m, a, b: m.sum(m.swapaxes(a, 0, 2) ** 3), [T3, M]),
    ("fabs", lambda m, a, b: m.sum(m.fabs(a) * b), [M, M2]),
    ("degrees", lambda m, a, b: m.sum(m.degrees(a) * m.radians(b)), [M, M2]),
]


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("name,fn,args", HIPS, ids=[c[0] for c in HIPS])
def test_against_hips_autograd(backend, name, fn, args):
    agrad = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    for argnum in range(len(args)):
        want = agrad.grad(lambda *a: fn(anp, *a), argnum)(*args)
        got = ad.grad(lambda *a: fn(gnp, *a), argnum)(*[gnp.asarray(a) for a in args])
        np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-12)


# ---- the issue's examples and specific behaviour -------------------------------------------


def test_mod_is_differentiable(backend):
    x = gnp.asarray(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(to_numpy(ad.grad(lambda v: gnp.sum(v % 1.3))(x)), [1, 1, 1])
    gy = ad.grad(lambda y: gnp.sum(x % y))(gnp.asarray(np.array(1.3)))
    assert float(to_numpy(gy)) == -np.sum(np.floor_divide([1.0, 2.0, 3.0], 1.3))
    gy = ad.grad(lambda y: gnp.sum(2.5 % y))(gnp.asarray(np.array([0.7, -0.9])))
    np.testing.assert_array_equal(to_numpy(gy), -np.floor_divide(2.5, [0.7, -0.9]))
    q, r = divmod(ad.tensor(x), 1.3)
    np.testing.assert_array_equal(to_numpy(r), np.mod([1.0, 2.0, 3.0], 1.3))


def test_issue_linspace_example(backend):
    g = ad.grad(lambda s: gnp.sum(gnp.linspace(s, 2 * s, 5)))(1.0)
    assert float(to_numpy(g)) == 7.5


def test_median_keepdims_all_axes(backend):
    x = gnp.asarray(np.arange(4.0).reshape(1, 4))
    assert gnp.median(x, axis=None, keepdims=True).shape == (1, 1)
    assert gnp.median(x, keepdims=True).shape == np.median(np.ones((1, 4)), keepdims=True).shape
    t = ad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert gnp.median(t, keepdims=True).shape == (1, 1)


def test_tril_triu_write_positive_zero(backend):
    m = np.array([[1.0, -2.0], [-3.0, 4.0]])
    for f in ("tril", "triu"):
        got = to_numpy(getattr(gnp, f)(gnp.asarray(m)))
        want = getattr(np, f)(m)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
        np.testing.assert_array_equal(np.arctan2(got, -1.0), np.arctan2(want, -1.0))
        tt = to_numpy(getattr(gnp, f)(ad.tensor(m, requires_grad=True)))
        np.testing.assert_array_equal(np.signbit(tt), np.signbit(want))


def test_copysign_is_constant_in_sign_argument(backend):
    x = gnp.asarray(np.array([1.5, -2.0, 3.0]))
    y = gnp.asarray(np.array([-1.0, -3.0, 2.0]))
    np.testing.assert_array_equal(to_numpy(ad.grad(lambda v: gnp.sum(gnp.copysign(x, v)))(y)),
                                  [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(to_numpy(ad.grad(lambda v: gnp.sum(gnp.copysign(v, y)))(x)),
                                  [-1.0, 1.0, 1.0])


def test_fmax_ignores_nan_in_gradient(backend):
    x = gnp.asarray(np.array([1.0, np.nan, 3.0, 2.0]))
    y = gnp.asarray(np.array([np.nan, 2.0, 1.0, 2.0]))
    gx, gy = ad.grad(lambda a, b: gnp.sum(gnp.fmax(a, b)), (0, 1))(x, y)
    np.testing.assert_array_equal(to_numpy(gx), [1.0, 0.0, 1.0, 0.5])
    np.testing.assert_array_equal(to_numpy(gy), [0.0, 1.0, 0.0, 0.5])


def test_put_along_axis_records_or_raises(backend):
    base = np.arange(12.0).reshape(3, 4)
    idx = np.array([[1], [3], [0]])

    def f(v):
        t = ad.tensor(gnp.asarray(base)) * 1.0
        gnp.put_along_axis(t, gnp.asarray(idx), v * v, axis=1)
        return gnp.sum(t * t)

    vals = gnp.asarray(np.array([[1.5], [-2.0], [0.5]]))
    g = to_numpy(ad.grad(f)(vals))
    np.testing.assert_allclose(g, 4 * to_numpy(vals) ** 3)
    want = base.copy()
    np.put_along_axis(want, idx, to_numpy(vals) ** 2, axis=1)
    t = ad.tensor(gnp.asarray(base.copy()))
    assert gnp.put_along_axis(t, gnp.asarray(idx), vals ** 2, axis=1) is None
    np.testing.assert_array_equal(to_numpy(t), want)
    plain = gnp.asarray(base.copy())
    with pytest.raises(TypeError, match="put_along_axis"):
        ad.grad(lambda v: gnp.sum(gnp.put_along_axis(plain, gnp.asarray(idx), v, 1) or v))(vals)


def test_partition_places_kth(backend):
    a = R.standard_normal((4, 7))
    got = to_numpy(gnp.partition(gnp.asarray(a), 3, axis=1))
    np.testing.assert_array_equal(got[:, 3], np.partition(a, 3, axis=1)[:, 3])
    assert np.all(got[:, :3] <= got[:, 3:4]) and np.all(got[:, 4:] >= got[:, 3:4])
    np.testing.assert_array_equal(np.sort(got, 1), np.sort(a, 1))


QUANTILE_METHODS = ["linear", "lower", "higher", "nearest", "midpoint", "hazen", "weibull",
                    "median_unbiased", "normal_unbiased", "interpolated_inverted_cdf"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("method", QUANTILE_METHODS)
def test_quantiles_equal_numpy_exactly(backend, method, dtype):
    """Values, dtypes and shapes as NumPy's, for Python, NumPy and integer q (its weak and
    strong type promotion), NaN-free and NaN-holding data."""
    a = (np.random.default_rng(1).standard_normal((4, 5)) * 5).astype(dtype)
    an = a.astype(np.float64) if dtype == np.int64 else a.copy()
    if dtype != np.int64:
        an[0, 1] = np.nan
        an[2, :] = np.nan
    qs = [0.0, 1.0, 0.123, [0.2, 0.9], np.float32(0.3), np.array([0.1, 0.7], np.float32), 1,
          [0, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for q in qs:
            pq = (q * 100 if isinstance(q, int | float) else
                  (np.asarray(q) * 100).astype(np.asarray(q).dtype))
            for ax in [None, 0, (0, 1)]:
                for kd in [False, True]:
                    for fn, arr, qq in [("quantile", a, q), ("nanquantile", an, q),
                                        ("percentile", a, pq), ("nanpercentile", an, pq)]:
                        want = getattr(np, fn)(arr, qq, axis=ax, keepdims=kd, method=method)
                        got = getattr(gnp, fn)(gnp.asarray(arr), qq, axis=ax, keepdims=kd,
                                               method=method)
                        got = to_numpy(got)
                        assert got.shape == want.shape and got.dtype == want.dtype, (fn, q, ax)
                        np.testing.assert_array_equal(got, want, err_msg=f"{fn} {q} {ax}")
        for ax in [None, 1, (0, 1)]:
            for fn in ("median", "nanmedian"):
                want = getattr(np, fn)(a, axis=ax, keepdims=True)
                got = to_numpy(getattr(gnp, fn)(gnp.asarray(a), axis=ax, keepdims=True))
                assert got.shape == want.shape and got.dtype == want.dtype
                np.testing.assert_array_equal(got, want)


def test_integer_and_boolean_helpers_match_numpy(backend):
    x = np.array([1.5, -0.3, np.inf, -np.inf, 0.0, -2.5])
    t = ad.tensor(gnp.asarray(x), requires_grad=True)
    for name, args in [("around", (x,)), ("fix", (x,)), ("argwhere", (x,)),
                       ("flatnonzero", (x,)), ("count_nonzero", (x,)),
                       ("searchsorted", (np.array([-1.0, 0.0, 2.0]), x)),
                       ("isneginf", (x,)), ("isposinf", (x,)), ("signbit", (x,)),
                       ("array_equal", (x, x)), ("array_equiv", (x, x[:1])),
                       ("iscomplex", (x,)), ("isreal", (x,)), ("iscomplexobj", (x,)),
                       ("isrealobj", (x,))]:
        want = getattr(np, name)(*args)
        got = getattr(gnp, name)(*[t if a is x else gnp.asarray(a) for a in args])
        np.testing.assert_array_equal(to_numpy(got), want, err_msg=name)
    assert gnp.isscalar(1.0) and not gnp.isscalar(t)
    assert gnp.result_type(t, np.float32) == np.float64
    g = ad.grad(lambda v: gnp.sum(gnp.around(v) * v))(gnp.asarray(np.array([1.4, 2.6])))
    np.testing.assert_array_equal(to_numpy(g), [1.0, 3.0])


def test_pad_refuses_modes_it_cannot_differentiate(backend):
    # a callable mode fills the pads in place (NumPy's protocol): not recorded
    with pytest.raises(NotImplementedError, match="pad: mode"):
        gnp.pad(gnp.asarray(V), 1, mode=lambda vector, pad_width, axis, kwargs: None)
    with pytest.raises(ValueError, match="pad: mode"):  # an unknown name: NumPy's ValueError
        gnp.pad(gnp.asarray(V), 1, mode="sideways")
    with pytest.raises(ValueError, match="reflect_type"):
        gnp.pad(gnp.asarray(V), 1, mode="reflect", reflect_type="sideways")


def test_errors_are_clear(backend):
    x = ad.tensor(np.array([0.2, 0.5]), requires_grad=True)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        gnp.quantile(np.arange(4.0), 1.5)
    with pytest.raises(ValueError, match="'foo' is not a valid method"):
        gnp.quantile(np.arange(4.0), 0.5, method="foo")
    with pytest.raises(ValueError, match="only method 'inverted_cdf' supports weights"):
        gnp.quantile(np.arange(4.0), 0.5, weights=np.ones(4))
    with pytest.raises(TypeError, match="complex"):
        gnp.fabs(np.array([1 + 1j]))
    with pytest.raises(ValueError, match="where= mask needs initial"):
        gnp.max(x, where=np.array([True, False]))
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        gnp.cross(np.ones(4), np.ones(3))


def test_more_names_signatures_match_numpy():
    import inspect

    bad = []
    for name in ["append", "split", "array_split", "hsplit", "vsplit", "dsplit", "column_stack",
                 "atleast_3d", "rollaxis", "rot90", "kron", "select", "partition", "fmin",
                 "fmax", "nan_to_num", "nansum", "nanmean", "nanvar", "nanstd", "nanmax",
                 "nanmin", "nanprod", "nancumsum", "nancumprod", "nanmedian", "nanquantile",
                 "nanpercentile", "quantile", "percentile", "ptp", "cov", "corrcoef", "interp",
                 "trapezoid", "convolve", "correlate", "dstack", "block", "put_along_axis",
                 "piecewise", "gradient", "std", "var", "prod", "sum", "swapaxes", "cross",
                 "sort", "argsort", "cumsum", "max", "min", "trace", "tensordot", "diagflat",
                 "full", "median", "mean", "cumprod", "reshape", "transpose", "broadcast_to",
                 "ravel", "moveaxis", "squeeze", "expand_dims", "flip", "fliplr", "flipud",
                 "roll", "tile", "repeat", "diagonal", "tril", "triu", "take",
                 "take_along_axis", "pad", "diff", "average", "concatenate", "stack", "hstack",
                 "vstack", "row_stack", "dot", "outer", "clip", "linspace", "meshgrid",
                 "full_like", "nanargmax", "argpartition"]:
        if isinstance(getattr(np, name), np.ufunc):
            continue
        try:
            want = inspect.signature(getattr(np, name))
        except ValueError:  # a builtin without a signature
            continue
        got = inspect.signature(getattr(gnp, name))
        wp = [p for p in want.parameters.values() if p.name not in ("like", "device")]
        gp = list(got.parameters.values())
        names_w = [p.name for p in wp if p.kind is not p.VAR_POSITIONAL]
        names_g = [p.name for p in gp if p.kind is not p.VAR_POSITIONAL]
        bad.extend((name, n) for n in names_w
                   if n not in names_g and not any(p.kind is p.VAR_KEYWORD for p in gp))
    assert not bad, bad


# ---- random samplers --------------------------------------------------------------------------


def test_issue_random_example(backend):
    x = gnp.asarray(np.array([1.0, 2.0, 3.0]))
    g = ad.grad(lambda v: gnp.sum(gnp.random.normal(v, 1e-12)))(x)
    np.testing.assert_array_equal(to_numpy(g), [1.0, 1.0, 1.0])


REPARAM = [
    ("normal", (0.3, 1.7)),
    ("uniform", (-0.5, 2.0)),
    ("laplace", (0.3, 1.7)),
    ("logistic", (0.3, 1.7)),
    ("gumbel", (0.3, 1.7)),
    ("lognormal", (0.3, 0.6)),
    ("exponential", (1.7,)),
    ("rayleigh", (1.7,)),
]


@pytest.mark.parametrize("maker", ["module", "RandomState", "default_rng"])
@pytest.mark.parametrize("name,params", REPARAM, ids=[r[0] for r in REPARAM])
def test_reparameterised_samplers(backend, maker, name, params):
    def make(seed):
        if maker == "module":
            gnp.random.seed(seed)
            return gnp.random
        return getattr(gnp.random, maker)(seed)

    if maker == "default_rng" and backend != "numpy":
        pytest.skip("CuPy's Generator has a subset of the methods")
    ps = [gnp.asarray(np.full((3,), p)) for p in params]

    def f(*ps):
        return getattr(make(7), name)(*ps, size=(2, 3))

    # values: the same draws as NumPy's generator (constant and differentiated parameters)
    if backend == "numpy":
        ref = (np.random.RandomState(7) if maker != "default_rng" else
               np.random.default_rng(7))
        want = getattr(ref, name)(*[np.full((3,), p) for p in params], size=(2, 3))
        np.testing.assert_array_equal(to_numpy(f(*ps)), want)
        tracked = f(*[ad.tensor(p, requires_grad=True) for p in ps])
        np.testing.assert_allclose(to_numpy(tracked), want, rtol=1e-15, atol=0)
    check_grads(f, ps, order=2, modes=("fwd", "rev"))


def test_gamma_scale_is_differentiable_shape_raises(backend):
    s = gnp.asarray(np.array([1.5, 2.5]))
    g = ad.grad(lambda v: gnp.sum(gnp.random.RandomState(0).gamma(2.0, v)))(s)
    want = np.random.RandomState(0).gamma(2.0, 1.0, size=2)
    if backend == "numpy":
        np.testing.assert_allclose(to_numpy(g), want, rtol=1e-14)
    for name, args in [("gamma", lambda v: (v, 1.0)), ("beta", lambda v: (v, 2.0)),
                       ("poisson", lambda v: (v,)), ("binomial", lambda v: (5, v)),
                       ("dirichlet", lambda v: (v,))]:
        with pytest.raises(NotImplementedError, match=f"random.{name}: cannot differentiate"):
            ad.grad(lambda v, n=name, a=args: gnp.sum(getattr(gnp.random, n)(*a(v)) * 1.0))(
                gnp.asarray(np.array([0.4, 0.3])))


def test_constant_samplers_match_numpy():
    with ad.use_backend("numpy"):
        for name, args in [("beta", (1.5, 2.0)), ("poisson", (3.0,)), ("binomial", (5, 0.3)),
                           ("chisquare", (2.0,)), ("standard_t", (3.0,)), ("weibull", (1.5,))]:
            got = getattr(gnp.random.RandomState(4), name)(*args, size=5)
            want = getattr(np.random.RandomState(4), name)(*args, size=5)
            np.testing.assert_array_equal(got, want)
            got = getattr(gnp.random.default_rng(4), name)(*args, size=5)
            want = getattr(np.random.default_rng(4), name)(*args, size=5)
            np.testing.assert_array_equal(got, want)
        rng = gnp.random.default_rng(1)
        ref = np.random.default_rng(1)
        np.testing.assert_array_equal(rng.integers(0, 10, 5), ref.integers(0, 10, 5))
        np.testing.assert_array_equal(rng.random(3), ref.random(3))
        np.testing.assert_array_equal(rng.choice(7, 3), ref.choice(7, 3))
        np.testing.assert_array_equal(rng.permutation(6), ref.permutation(6))
        np.testing.assert_array_equal(rng.standard_normal((2, 2)), ref.standard_normal((2, 2)))
        rs = gnp.random.RandomState(2)
        st = rs.get_state()
        a = rs.randn(3)
        rs.set_state(st)
        np.testing.assert_array_equal(rs.randn(3), a)


def test_permutation_and_choice_of_tensor_are_differentiable(backend):
    x = gnp.asarray(np.array([1.0, 2.0, 3.0, 4.0]))
    g = ad.grad(lambda v: gnp.sum(gnp.random.RandomState(0).permutation(v) ** 2))(x)
    np.testing.assert_allclose(to_numpy(g), 2 * to_numpy(x))
    g = ad.grad(lambda v: gnp.sum(gnp.random.RandomState(0).choice(v, 6)))(x)
    idx = np.random.RandomState(0).choice(4, 6)
    if backend == "numpy":
        np.testing.assert_array_equal(to_numpy(g), np.bincount(idx, minlength=4))
    assert float(np.sum(to_numpy(g))) == 6.0


@pytest.mark.parametrize("maker", ["RandomState", "default_rng", "module"])
def test_checkpoint_replays_generator_objects(maker):
    with ad.use_backend("numpy"):
        def make():
            if maker == "module":
                gnp.random.seed(11)
                return gnp.random
            return getattr(gnp.random, maker)(11)

        def loss(v, ck=True):
            rs = make()

            def block(h):
                return gnp.tanh(h * rs.normal(1.0, 0.5, size=h.shape)) + rs.uniform(h, h + 1.0)

            b = ad.checkpoint(block) if ck else block
            return gnp.sum(b(b(v)) ** 2), rs

        x = np.array([0.3, -0.2, 0.5])
        g = to_numpy(ad.grad(lambda v: loss(v)[0])(x))
        # the same function (same draws) differentiated by finite differences
        np.testing.assert_allclose(g, numerical_grad(lambda v: loss(v)[0], x), rtol=1e-6)
        if maker != "module":  # replaying leaves the object's stream where one run leaves it
            held = {}

            def keep(v):
                value, held["rs"] = loss(v)
                return value

            ad.grad(keep)(x)  # forward, then backward recomputes both blocks
            after = to_numpy(held["rs"].normal(size=3))
            _, rs0 = loss(x, ck=False)
            np.testing.assert_array_equal(after, to_numpy(rs0.normal(size=3)))
            np.testing.assert_array_equal(
                g, to_numpy(ad.grad(lambda v: loss(v, ck=False)[0])(x)))


def test_checkpoint_replay_with_different_draws_raises():
    with ad.use_backend("numpy"):
        rs = gnp.random.RandomState(0)
        calls = []

        def block(h):
            calls.append(1)
            if len(calls) > 1:
                return gnp.sin(h) * rs.normal(size=h.shape)
            return gnp.sin(h)

        with pytest.raises(RuntimeError, match="recomputed a block"):
            ad.grad(lambda v: gnp.sum(ad.checkpoint(block)(v)))(np.array([0.3, 0.4]))


def test_heaviside_is_x2_where_x1_is_zero_and_flat_elsewhere(backend):
    x = np.array([-1.0, 0.0, 2.0, 0.0])
    h = np.array([0.3, 0.5, 0.7, 0.9])
    np.testing.assert_array_equal(to_numpy(gnp.heaviside(gnp.asarray(x), gnp.asarray(h))),
                                  np.heaviside(x, h))
    w = gnp.asarray(np.arange(4.0))
    g = ad.grad(lambda b: gnp.sum(gnp.heaviside(gnp.asarray(x), b) * w))(h)
    np.testing.assert_array_equal(to_numpy(g), [0.0, 1.0, 0.0, 3.0])
    g = ad.grad(lambda a: gnp.sum(gnp.heaviside(a, 0.5)))(x + 0.5)
    np.testing.assert_array_equal(to_numpy(g), np.zeros(4))


def test_python_round_of_a_tensor(backend):
    t = ad.tensor(np.array([1.26, 2.5]))
    np.testing.assert_array_equal(to_numpy(round(t, 1)), np.round([1.26, 2.5], 1))
    np.testing.assert_array_equal(to_numpy(round(t)), np.round([1.26, 2.5]))
