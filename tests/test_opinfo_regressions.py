"""Wrong values and gradients that PyTorch's OpInfo samples found (tests/conformance/
test_torch_opinfo.py), each checked here without torch: against central differences or a
NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy
from op_harness import check_op

import gpuad as ad
import gpuad.numpy as gnp


def _rng(seed=0):
    return np.random.default_rng(seed)


def _crossing_bounds(r, shape):
    """x, lo, hi with lo > hi in about half of the entries and no ties."""
    x = r.standard_normal(shape)
    lo = r.standard_normal(shape)
    hi = r.standard_normal(shape)
    return x, lo, hi


# ---- clip / clamp with lo > hi: the result is hi, and only hi gets the gradient -------------
def test_clip_crossing_bounds_gradients(backend):
    x, lo, hi = _crossing_bounds(_rng(0), (4, 5))
    assert (lo > hi).any() and (lo < hi).any()
    check_op(lambda m, x, lo, hi: m.clip(x, lo, hi), [x, lo, hi])


def test_clamp_crossing_bounds_exact_adjoints(backend):
    x, lo, hi = _crossing_bounds(_rng(1), (12,))
    ts = [ad.tensor(a, requires_grad=True) for a in (x, lo, hi)]
    out = ts[0].clamp(ts[1], ts[2])
    np.testing.assert_array_equal(to_numpy(out), np.minimum(np.maximum(x, lo), hi))
    gx, glo, ghi = ad.autograd.grad(out.sum(), ts)
    picked_lo = (x < lo) & (lo < hi)
    picked_hi = (x > hi) | (hi < lo)
    np.testing.assert_array_equal(to_numpy(gx), ~picked_lo & ~picked_hi)
    np.testing.assert_array_equal(to_numpy(glo), picked_lo)
    np.testing.assert_array_equal(to_numpy(ghi), picked_hi)
    # every element's adjoint goes to exactly one of the three
    np.testing.assert_array_equal(to_numpy(gx) + to_numpy(glo) + to_numpy(ghi), 1.0)


def test_clip_crossing_bounds_one_sided_and_broadcast(backend):
    r = _rng(2)
    x = r.standard_normal((3, 4))
    lo = r.standard_normal((4,))
    hi = lo - 0.5  # lo > hi everywhere: the result is hi
    check_op(lambda m, x, lo, hi: m.clip(x, lo, hi), [x, lo, hi])
    check_op(lambda m, x, lo: m.clip(x, lo, None), [x, lo])
    check_op(lambda m, x, hi: m.clip(x, None, hi), [x, hi])


# ---- torch's x.std(unbiased) / x.var(unbiased) ----------------------------------------------
@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_std_var_bool_positional_is_unbiased(backend, name, unbiased):
    a = _rng(3).standard_normal((5, 4))
    x = ad.tensor(a, requires_grad=True)
    out = getattr(x, name)(unbiased)
    ref = getattr(np, name)(a, ddof=int(unbiased))
    assert out.shape == ()
    np.testing.assert_allclose(to_numpy(out), ref, rtol=1e-12)

    def fn(m, v):
        if m is np:
            return getattr(np, name)(v, ddof=int(unbiased))
        return getattr(v if isinstance(v, ad.Tensor) else ad.tensor(v), name)(unbiased)

    check_op(fn, [a])


def test_std_bool_twice_raises(backend):
    x = ad.tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="unbiased was given twice"):
        x.std(True, unbiased=False)


# ---- 0-d tensors with torch's dim=0 ---------------------------------------------------------
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_arg_extreme_0d_keepdim(backend, name):
    x = ad.tensor(np.array(1.5))
    for dim in (0, -1):
        r = getattr(x, name)(dim=dim, keepdim=True)
        assert r.shape == () and int(to_numpy(r)) == 0
    assert getattr(ad.tensor(np.ones((2, 3))), name)(dim=1, keepdim=True).shape == (2, 1)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_0d_dim(backend, name):
    x = ad.tensor(np.array(1.5), requires_grad=True)
    for dim in (0, -1):
        r = getattr(x, name)(dim=dim)
        assert r.shape == ()
        np.testing.assert_allclose(to_numpy(r), 1.5)
    (g,) = ad.autograd.grad(getattr(x, name)(dim=0) * 3.0, x)
    np.testing.assert_allclose(to_numpy(g), 3.0)
    with pytest.raises(IndexError, match="out of range"):
        getattr(x, name)(dim=1)
    # other shapes unchanged
    a = _rng(4).standard_normal((3, 4))
    np.testing.assert_allclose(to_numpy(getattr(ad.tensor(a), name)(dim=1)),
                               getattr(np, name)(a, axis=1), rtol=1e-12)


# ---- argument forms torch accepts -----------------------------------------------------------
@pytest.mark.parametrize("name", ["std", "var"])
def test_std_var_correction_none_is_default(backend, name):
    a = _rng(5).standard_normal((3, 4))
    x = ad.tensor(a)
    np.testing.assert_allclose(to_numpy(getattr(x, name)(dim=1, correction=None)),
                               getattr(np, name)(a, axis=1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(getattr(x, name)(dim=None, correction=None)),
                               getattr(np, name)(a, ddof=1), rtol=1e-12)


def test_masked_fill_broadcasts_self_with_mask(backend):
    r = _rng(6)
    a = r.standard_normal((4,))
    mask = r.random((3, 4)) > 0.5

    def fn(m, v):
        if m is np:
            return np.where(mask, 2.5, np.broadcast_to(v, (3, 4)))
        v = v if isinstance(v, ad.Tensor) else ad.tensor(v)
        return v.masked_fill(ad.tensor(mask), 2.5)

    check_op(fn, [a])
    with pytest.raises(ValueError, match="does not broadcast"):
        ad.tensor(np.ones((3, 3))).masked_fill(ad.tensor(mask), 0.0)
    with pytest.raises(RuntimeError, match="cannot change the shape"):
        ad.tensor(a).masked_fill_(ad.tensor(mask), 0.0)


def _avg_pool_ref(a, k, p):
    """(N, C, H, W) average pooling with stride 1, zero padding counted."""
    ap = np.pad(a, ((0, 0), (0, 0), (p, p), (p, p)))
    ho, wo = ap.shape[2] - k + 1, ap.shape[3] - k + 1
    out = np.zeros(a.shape[:2] + (ho, wo))
    for i in range(k):
        for j in range(k):
            out += ap[:, :, i:i + ho, j:j + wo]
    return out / (k * k)


def test_pool2d_one_element_size_tuples(backend):
    import gpuad.nn.functional as F

    a = _rng(7).standard_normal((1, 2, 5, 5))
    check_op(lambda m, v: _avg_pool_ref(v, 3, 1) if m is np
             else F.avg_pool2d(v, (3,), (1,), (1,)), [a])
    with pytest.raises(ValueError, match="avg_pool2d: kernel_size must be an int or two ints"):
        F.avg_pool2d(ad.tensor(a), (2, 2, 2))


# ---- torch's dim 0 of a 0-d tensor: one entry, the result 0-d --------------------------------
def _zero_d_cases():
    one = np.array([0])
    return [
        ("gather", lambda x: x.gather(0, ad.tensor(one)), (1,), 1.0),
        ("gather_0d_index", lambda x: x.gather(-1, ad.tensor(np.array(0))), (), 1.0),
        ("index_select", lambda x: x.index_select(0, ad.tensor(one)), (), 1.0),
        ("transpose", lambda x: x.transpose(0, -1), (), 1.0),
        ("squeeze", lambda x: x.squeeze(0), (), 1.0),
        ("index_fill", lambda x: x.index_fill(0, ad.tensor(one), 2.0), (), 0.0),
        ("index_add", lambda x: x.index_add(0, ad.tensor(one), ad.tensor(np.array(2.0))), (), 1.0),
        ("index_copy", lambda x: x.index_copy(0, ad.tensor(one), ad.tensor(np.array([2.0]))),
         (), 0.0),
        ("index_fill_none", lambda x: x.index_fill(0, ad.tensor(one[:0]), 2.0), (), 1.0),
    ]


@pytest.mark.parametrize("name,fn,shape,slope", _zero_d_cases(),
                         ids=[c[0] for c in _zero_d_cases()])
def test_zero_d_dim_ops(backend, name, fn, shape, slope):
    x = ad.tensor(np.array(1.5), requires_grad=True)
    r = fn(x)
    assert r.shape == shape
    expected = {"index_fill": 2.0, "index_add": 3.5, "index_copy": 2.0}.get(name, 1.5)
    np.testing.assert_allclose(to_numpy(r), np.full(shape, expected))
    (g,) = ad.autograd.grad(r.sum() * 3.0, x, allow_unused=True, materialize_grads=True)
    np.testing.assert_allclose(to_numpy(g), 3.0 * slope)


def test_zero_d_dim_ops_refuse_other_dims(backend):
    x = ad.tensor(np.array(1.5))
    with pytest.raises(IndexError, match="out of range"):
        x.index_select(1, ad.tensor(np.array([0])))
    with pytest.raises(IndexError, match="out of range"):
        x.transpose(0, 1)
    with pytest.raises(IndexError, match="out of range"):
        x.squeeze(1)
    with pytest.raises(IndexError, match="index 1 is out of range"):
        x.index_fill(0, ad.tensor(np.array([1])), 0.0)
    # NumPy's squeeze takes axis 0 or -1 of a 0-d array (and nothing else)
    assert np.squeeze(np.array(1.5), axis=0).shape == ()
    assert gnp.squeeze(gnp.asarray(np.array(1.5)), axis=-1).shape == ()
    with pytest.raises(ValueError, match="out of bounds"):
        gnp.squeeze(gnp.asarray(np.array(1.5)), axis=1)


# ---- binary_cross_entropy_with_logits: torch's weight and pos_weight ------------------------
def _bce_logits_ref(z, y, w=None, p=None):
    log_sig, log_one_minus = -np.logaddexp(0, -z), -np.logaddexp(0, z)
    loss = -((1.0 if p is None else p) * y * log_sig + (1 - y) * log_one_minus)
    return loss * (1.0 if w is None else w)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_bce_with_logits_weight_and_pos_weight(backend, reduction):
    import gpuad.nn.functional as F

    r = _rng(8)
    z = r.standard_normal((4, 3)) * 3
    y = r.random((4, 3))
    w = r.random((3,)) + 0.5
    p = r.random((3,)) + 0.5
    red = {"none": lambda a: a, "mean": np.mean, "sum": np.sum}[reduction]

    def fn(m, z, w, p):
        if m is np:
            return red(_bce_logits_ref(z, y, w, p))
        return F.binary_cross_entropy_with_logits(z, gnp.asarray(y), reduction,
                                                  weight=w, pos_weight=p)

    check_op(fn, [z, w, p])
    # torch's positional weight
    got = F.binary_cross_entropy_with_logits(gnp.asarray(z), gnp.asarray(y), gnp.asarray(w))
    np.testing.assert_allclose(to_numpy(got), np.mean(_bce_logits_ref(z, y, w)), rtol=1e-12)


def test_bce_with_logits_loss_module_pos_weight(backend):
    import gpuad.nn as nn

    r = _rng(9)
    z, y, p = r.standard_normal((5, 2)), r.random((5, 2)), np.array([2.0, 0.5])
    loss = nn.BCEWithLogitsLoss(pos_weight=gnp.asarray(p), reduction="sum")
    np.testing.assert_allclose(to_numpy(loss(gnp.asarray(z), gnp.asarray(y))),
                               np.sum(_bce_logits_ref(z, y, None, p)), rtol=1e-12)


# ---- torch's keywords and positional forms of Tensor methods ---------------------------------
def test_flip_dims_keyword(backend):
    a = _rng(10).standard_normal((2, 3, 4))
    np.testing.assert_array_equal(to_numpy(ad.tensor(a).flip(dims=(0, 2))), a[::-1, :, ::-1])
    np.testing.assert_array_equal(to_numpy(ad.tensor(a).flip(dims=[1])), a[:, ::-1])
    check_op(lambda m, v: v[:, ::-1] if m is np else
             (v if isinstance(v, ad.Tensor) else ad.tensor(v)).flip(dims=[1]), [a])
    with pytest.raises(TypeError, match="Tensor.flip takes dims"):
        ad.tensor(a).flip(0, dims=1)


def test_diagonal_dim1_dim2(backend):
    a = _rng(11).standard_normal((3, 4, 5))
    for off, d1, d2 in ((0, 1, 2), (1, -1, 0), (-1, 2, 1)):
        check_op(lambda m, v, off=off, d1=d1, d2=d2: np.diagonal(v, off, d1, d2) if m is np
                 else (v if isinstance(v, ad.Tensor) else ad.tensor(v)).diagonal(
                     off, dim1=d1, dim2=d2), [a], order=1)


def test_nonzero_as_tuple(backend):
    a = _rng(12).standard_normal((3, 4)) > 0
    x = ad.tensor(a)
    np.testing.assert_array_equal(to_numpy(x.nonzero(as_tuple=False)), np.argwhere(a))
    for got, want in zip(x.nonzero(as_tuple=True), np.nonzero(a), strict=True):
        np.testing.assert_array_equal(to_numpy(got), want)


@pytest.mark.parametrize("descending", [True, False])
def test_sort_argsort_positional_descending(backend, descending):
    a = _rng(13).standard_normal((4, 5))
    order = np.argsort(-a if descending else a, axis=0, kind="stable")
    x = ad.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(to_numpy(x.argsort(0, descending)), order)
    values, idx = x.sort(0, descending)
    np.testing.assert_array_equal(to_numpy(idx), order)
    np.testing.assert_array_equal(to_numpy(values), np.take_along_axis(a, order, 0))
    # NumPy's kind string stays NumPy's
    np.testing.assert_array_equal(to_numpy(ad.tensor(a).argsort(1, "stable")),
                                  np.argsort(a, 1, kind="stable"))


def test_casts_take_memory_format(backend):
    x = ad.tensor(np.arange(3.0))
    assert x.double(memory_format=None) is x
    assert x.float(memory_format=None).dtype == np.float32


# ---- diff: n=0 is the input itself (prepend/append not joined), as NumPy and torch -----------
def test_diff_order_zero_ignores_prepend_append(backend):
    r = _rng(14)
    a, pre, app = r.standard_normal((3, 4)), r.standard_normal((1, 4)), r.standard_normal((2, 4))
    for n in (1, 2):
        check_op(lambda m, v, p, q, n=n: m.diff(v, n, 0, prepend=p, append=q), [a, pre, app],
                 order=1)
    check_op(lambda m, v: m.diff(v, 0, 0, prepend=pre, append=app), [a], order=1)
    x = ad.tensor(a)
    got = x.diff(0, 0, ad.tensor(pre), ad.tensor(app))
    np.testing.assert_array_equal(to_numpy(got), np.diff(a, 0, 0, pre, app))
    with pytest.raises(ValueError, match="non-negative"):
        gnp.diff(gnp.asarray(a), -1)
    with pytest.raises(ValueError, match="at least one dimensional"):
        gnp.diff(gnp.asarray(np.array(1.0)))


# ---- empty matrices in the torch.linalg functions (reshape / reduction errors before) --------
@pytest.mark.parametrize("lead", [(), (2,), (0,)], ids=str)
def test_linalg_empty_matrices(backend, lead):
    import gpuad.linalg as LA

    e = gnp.asarray(np.zeros(lead + (0, 0)))
    for name, res in (("inv_ex", "inverse"), ("cholesky_ex", "L")):
        out = getattr(LA, name)(e)
        assert getattr(out, res).shape == lead + (0, 0)
        np.testing.assert_array_equal(to_numpy(out.info), np.zeros(lead, np.int32))
    sol = LA.solve_ex(e, gnp.asarray(np.zeros(lead + (0, 3))))
    assert sol.result.shape == lead + (0, 3)
    lu, piv = LA.lu_factor(e)
    assert lu.shape == lead + (0, 0) and piv.shape == lead + (0,)
    assert all(f.shape == lead + (0, 0) for f in LA.lu(e))
    rank = gnp.linalg.matrix_rank(e, hermitian=True)
    np.testing.assert_array_equal(to_numpy(rank), np.linalg.matrix_rank(np.zeros(lead + (0, 0))))
    wide = gnp.asarray(np.zeros((2, 0, 3)))
    np.testing.assert_array_equal(to_numpy(gnp.linalg.matrix_rank(wide)), [0, 0])


# ---- reductions of a 0-d tensor over torch's dim 0 / -1: the entry itself ---------------------
_ZERO_D_REDUCTIONS = {
    "sum": (lambda x, d: x.sum(dim=d, keepdim=True), lambda v: v, 1.0),
    "mean": (lambda x, d: x.mean(dim=d), lambda v: v, 1.0),
    "prod": (lambda x, d: x.prod(dim=d), lambda v: v, 1.0),
    "amax": (lambda x, d: x.amax(d, True), lambda v: v, 1.0),
    "amin": (lambda x, d: x.amin(dim=(d,)), lambda v: v, 1.0),
    "nansum": (lambda x, d: x.nansum(dim=d), lambda v: v, 1.0),
    "nanmean": (lambda x, d: x.nanmean(dim=d, keepdim=True), lambda v: v, 1.0),
    "logsumexp": (lambda x, d: x.logsumexp(d), lambda v: v, 1.0),
    "softmax": (lambda x, d: x.softmax(d), lambda v: 1.0, 0.0),
    "log_softmax": (lambda x, d: x.log_softmax(dim=d), lambda v: 0.0, 0.0),
    "var": (lambda x, d: x.var(dim=d, unbiased=False), lambda v: 0.0, 0.0),
}


@pytest.mark.parametrize("name", sorted(_ZERO_D_REDUCTIONS))
def test_zero_d_reductions_over_dim_0(backend, name):
    fn, value, slope = _ZERO_D_REDUCTIONS[name]
    for d in (0, -1):
        x = ad.tensor(np.array(0.7), requires_grad=True)
        r = fn(x, d)
        assert r.shape == ()
        np.testing.assert_allclose(to_numpy(r), value(0.7), atol=1e-15)
        (g,) = ad.autograd.grad(r * 2.0, x, allow_unused=True, materialize_grads=True)
        np.testing.assert_allclose(to_numpy(g), 2.0 * slope, atol=1e-15)
    with pytest.raises(IndexError, match="out of range"):
        fn(ad.tensor(np.array(0.7)), 1)


def test_norm_of_0d_over_dim_0(backend):
    x = ad.tensor(np.array(-0.7), requires_grad=True)
    for p in (1, 2, 3.5):
        r = x.norm(p, dim=0)
        assert r.shape == ()
        np.testing.assert_allclose(to_numpy(r), 0.7)
        (g,) = ad.autograd.grad(r, x)
        np.testing.assert_allclose(to_numpy(g), -1.0)


# ---- torch Tensor methods that OpInfo lists and gpuad now carries -----------------------------
def _method(name, *args, **kw):
    def fn(m, v, *more):
        if m is np:
            return None
        v = v if isinstance(v, ad.Tensor) else ad.tensor(v)
        return getattr(v, name)(*more, *args, **kw)

    return fn


@pytest.mark.parametrize("name,ref", [
    ("erf", "scipy.special.erf"), ("erfc", "scipy.special.erfc"),
    ("lgamma", "scipy.special.gammaln"), ("digamma", "scipy.special.digamma"),
    ("erfinv", "scipy.special.erfinv"), ("i0", "numpy.i0"), ("sinc", "numpy.sinc"),
    ("deg2rad", "numpy.deg2rad"), ("rad2deg", "numpy.rad2deg"), ("fliplr", "numpy.fliplr"),
    ("flipud", "numpy.flipud"), ("positive", "numpy.positive"),
])
def test_new_unary_methods(backend, name, ref):
    mod, fname = ref.rsplit(".", 1)
    f = getattr(pytest.importorskip(mod), fname)
    a = _rng(15).uniform(0.2, 0.9, (3, 4))
    check_op(lambda m, v: f(v) if m is np else _method(name)(m, v), [a], order=1)


def test_new_binary_and_shape_methods(backend):
    special = pytest.importorskip("scipy.special")
    r = _rng(16)
    a, b = r.uniform(0.2, 0.9, (3, 4)), r.uniform(0.2, 0.9, (3, 4))
    check_op(lambda m, v, w: special.xlogy(v, w) if m is np else _method("xlogy")(m, v, w),
             [a, b], order=1)
    check_op(lambda m, v, w: np.logaddexp2(v, w) if m is np
             else _method("logaddexp2")(m, v, w), [a, b], order=1)
    c = r.standard_normal((2, 3, 4))
    check_op(lambda m, v: np.rot90(v, 1, (0, 2)) if m is np
             else _method("rot90", 1, [0, 2])(m, v), [c], order=1)
    x = ad.tensor(np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0]]))
    np.testing.assert_array_equal(to_numpy(x.count_nonzero(dim=0)), [1, 1])
    assert int(to_numpy(x.count_nonzero())) == 2
    np.testing.assert_array_equal(to_numpy(ad.tensor(a - 0.5).heaviside(ad.tensor(0.5))),
                                  np.heaviside(a - 0.5, 0.5))


def _t(v):
    return v if isinstance(v, ad.Tensor) else ad.tensor(v)


def test_add_matrix_products(backend):
    r = _rng(17)
    b, x, w = r.standard_normal((3,)), r.standard_normal((2, 4)), r.standard_normal((4, 3))
    check_op(lambda m, b, x, w: 0.5 * b + 2.0 * (x @ w) if m is np
             else _t(b).addmm(x, w, beta=0.5, alpha=2.0), [b, x, w], order=1)
    v = r.standard_normal((3,))
    check_op(lambda m, b, a, v: b + a @ v if m is np else _t(b).addmv(a, v),
             [r.standard_normal((4,)), w, v], order=1)
    check_op(lambda m, c, u, v: c - np.outer(u, v) if m is np else _t(c).addr(u, v, alpha=-1),
             [r.standard_normal((4, 3)), r.standard_normal(4), v], order=1)
    p, q = r.standard_normal((2, 3, 4)), r.standard_normal((2, 4, 5))
    check_op(lambda m, c, p, q: c + p @ q if m is np else _t(c).baddbmm(p, q),
             [r.standard_normal((3, 5)), p, q], order=1)
    check_op(lambda m, c, p, q: c + (p @ q).sum(0) if m is np else _t(c).addbmm(p, q),
             [r.standard_normal((3, 5)), p, q], order=1)
    # beta=0 ignores self, NaN included
    out = ad.tensor(np.full((2, 3), np.nan)).addmm(ad.tensor(x), ad.tensor(w), beta=0)
    np.testing.assert_allclose(to_numpy(out), x @ w, rtol=1e-12)


def test_logit_and_logdet(backend):
    r = _rng(18)
    p = r.uniform(0.05, 0.95, (5,))
    check_op(lambda m, v: np.log(v / (1 - v)) if m is np else _t(v).logit(), [p], order=1)
    edge = np.array([0.001, 0.3, 0.999])
    check_op(lambda m, v: np.log(np.clip(v, 0.01, 0.99) / (1 - np.clip(v, 0.01, 0.99)))
             if m is np else _t(v).logit(eps=0.01), [edge], order=1)
    a = r.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    check_op(lambda m, v: np.log(np.linalg.det(v)) if m is np else _t(v).logdet(), [a],
             order=1)
    neg = np.diag([1.0, -2.0, 3.0])
    assert np.isnan(to_numpy(ad.tensor(neg).logdet()))


def test_householder_product_without_reflectors(backend):
    import gpuad.linalg as LA

    a = _rng(19).standard_normal((2, 4, 3))
    A = ad.tensor(a, requires_grad=True)
    q = LA.householder_product(A, ad.tensor(np.zeros((2, 0))))
    assert isinstance(q, ad.Tensor)
    np.testing.assert_array_equal(to_numpy(q), np.broadcast_to(np.eye(4, 3), (2, 4, 3)))
    (g,) = ad.autograd.grad((q * 3.0).sum(), A)
    np.testing.assert_array_equal(to_numpy(g), np.zeros_like(a))
    q[0, 0, 0] = 5.0  # a fresh array, not a read-only broadcast view
