"""PyTorch's Tensor methods on gpuad Tensors (gpuad/_torch_methods.py).

One table of calls written as a PyTorch user writes them runs on gpuad Tensors and on torch
tensors (float64): values, and gradients of a weighted sum of the float outputs, must agree at
1e-10, and the gradient must match float64 central differences along a random direction. The
in-place methods are checked the same way on non-leaf tensors, and for what they share with
``x += v``: version bumps, a refused write into a leaf that requires grad, a refused backward
through a value they overwrote. Then the calls where NumPy's and torch's meanings meet.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.engine import GradError

torch = pytest.importorskip("torch")


class _Lib:
    """Builds constant inputs (indices, masks, numbers) for one library."""

    def __init__(self, kind: str):
        self.kind = kind

    def i(self, a):
        a = np.asarray(a, dtype=np.int64)
        return torch.tensor(a) if self.kind == "torch" else ad.tensor(a)

    def f(self, a):
        a = np.asarray(a, dtype=np.float64)
        return torch.tensor(a) if self.kind == "torch" else ad.tensor(a)


def case(name, fn, *shapes, pos=False, torch_grad=True):
    """``fn(*tensors, L)`` on inputs of ``shapes`` (in [0.5, 2] with ``pos``); without
    ``torch_grad`` (torch does not differentiate the call) the gradient is checked against
    central differences only."""
    return pytest.param(fn, shapes, pos, torch_grad, id=name)


M = [[0, 2, 1], [1, 0, 0]]  # an index of shape (2, 3) into dim 1 of a (2, 4) tensor
U = [[0, 2, 1], [3, 0, 1]]  # the same without repeats (torch's scatter leaves repeats open)
MASK = [[True, False, True, False], [False, False, True, True]]

CASES = [
    # reductions with dim=/keepdim=
    case("sum_dim", lambda x, L: x.sum(dim=1, keepdim=True), (2, 3)),
    case("sum_dims", lambda x, L: x.sum(dim=(0, 2)), (2, 3, 2)),
    case("sum_pos_keepdim", lambda x, L: x.sum(1, keepdim=True), (2, 3)),
    case("mean_dim", lambda x, L: x.mean(dim=0), (3, 2)),
    case("prod_dim", lambda x, L: x.prod(dim=1, keepdim=True), (2, 3)),
    case("var_dim", lambda x, L: x.var(dim=1), (2, 4)),
    case("std_dim_biased", lambda x, L: x.std(dim=0, unbiased=False, keepdim=True), (3, 2)),
    case("std_correction", lambda x, L: x.std(dim=1, correction=0), (2, 3)),
    case("max_dim", lambda x, L: x.max(dim=1), (2, 4)),
    case("min_dim_keepdim", lambda x, L: x.min(dim=0, keepdim=True), (3, 2)),
    case("max_other", lambda x, y, L: x.max(y), (2, 3), (3,)),
    case("amax", lambda x, L: x.amax(dim=-1), (2, 3)),
    case("amin_all", lambda x, L: x.amin(), (2, 3)),
    case("argmax_dim", lambda x, L: x.argmax(dim=1, keepdim=True), (2, 3)),
    case("all_any", lambda x, L: ((x > 0).all(dim=1), (x > 0).any(dim=0, keepdim=True)), (3, 3)),
    case(
        "torch_positional",
        lambda x, L: (
            x.sum(1, True),
            x.mean(0, True),
            x.max(1, True),
            x.std(1, False),
            x.var(0, True, True),
            x.argmax(1, True),
            (x > 0).any(1, True),
        ),
        (2, 3),
    ),
    case("cumsum_dim", lambda x, L: x.cumsum(dim=1), (2, 3)),
    case("logsumexp", lambda x, L: x.logsumexp(dim=1, keepdim=True), (2, 3)),
    case("norm", lambda x, L: (x.norm(), x.norm(1, dim=0), x.norm(dim=(0, 1))), (2, 3)),
    case("norm_p3_keepdim", lambda x, L: x.norm(p=3, dim=1, keepdim=True), (2, 3)),
    case("dist", lambda x, y, L: x.dist(y), (2, 3), (2, 3)),
    # shapes
    case("view", lambda x, L: x.view(3, -1).view_as(x.t()), (2, 3)),
    case("view_of_flip", lambda x, L: x.flip(0).view(-1), (2, 3)),
    case("reshape_as", lambda x, y, L: x.reshape_as(y) * y, (2, 3), (3, 2)),
    case("expand", lambda x, L: x.expand(4, -1, 3), (2, 1)),
    case("expand_as", lambda x, y, L: x.expand_as(y) * y, (3,), (2, 3)),
    case("permute", lambda x, L: x.permute(2, 0, 1), (2, 3, 2)),
    case("unsqueeze_squeeze", lambda x, L: x.unsqueeze(1).squeeze(dim=1).squeeze(dim=0), (2, 3)),
    case("squeeze_dims", lambda x, L: x.squeeze(dim=(0, 2)), (1, 3, 1)),
    case("flatten", lambda x, L: (x.flatten(1), x.flatten(0, 1), x.flatten()), (2, 3, 2)),
    case("unflatten", lambda x, L: x.unflatten(1, (2, 3)), (2, 6)),
    case("transpose_3d", lambda x, L: x.transpose(0, 2), (2, 3, 2)),
    case("t", lambda x, L: x.t(), (2, 3)),
    case("tile", lambda x, L: x.tile(2, 1), (2, 3)),
    case("chunk", lambda x, L: x.chunk(3, dim=1), (2, 5)),
    case("split", lambda x, L: (*x.split(2, dim=1), *x.split([1, 2], 0)), (3, 5)),
    case("unbind", lambda x, L: x.unbind(1), (2, 3)),
    case("flip_roll", lambda x, L: (x.flip(0, 1), x.roll(1, 1), x.roll((1, -1), (0, 1))), (2, 3)),
    case("narrow", lambda x, L: x.narrow(1, 1, 2), (2, 4)),
    case("movedim", lambda x, L: x.movedim(0, -1), (2, 3, 2)),
    # linear algebra
    case("mm", lambda x, y, L: x.mm(y), (2, 3), (3, 2)),
    case("bmm", lambda x, y, L: x.bmm(y), (2, 2, 3), (2, 3, 2)),
    case("matmul_mv", lambda x, y, L: (x.matmul(y), x.mv(y)), (2, 3), (3,)),
    case("outer", lambda x, y, L: x.outer(y), (3,), (2,)),
    case("cross", lambda x, y, L: (x.cross(y), x.cross(y, dim=1)), (3, 3), (3, 3)),
    case("diag_tril_triu", lambda x, L: (x.diag(), x.diag(1), x.tril(), x.triu(1)), (3, 3)),
    case("diag_of_vector", lambda x, L: x.diag(-1), (3,)),
    case("diff", lambda x, y, L: (x.diff(), x.diff(dim=0, prepend=y)), (2, 3), (1, 3)),
    # elementwise
    case("clamp", lambda x, L: (x.clamp(-0.3, 0.4), x.clamp(min=0.1), x.clamp(max=0.2)), (2, 3)),
    case("clamp_tensor", lambda x, y, L: x.clamp(min=y), (2, 3), (3,)),
    case("clamp_min_max", lambda x, L: (x.clamp_min(0.1), x.clamp_max(-0.1)), (2, 3)),
    case("pow", lambda x, L: (x.pow(3), x.pow(2)), (2, 3)),
    case("pow_tensor", lambda x, y, L: x.pow(y), (2, 3), (3,), pos=True),
    case(
        "unary_pos", lambda x, L: (x.log(), x.sqrt(), x.rsqrt(), x.reciprocal()), (2, 3), pos=True
    ),
    case(
        "unary",
        lambda x, L: (
            x.exp(),
            x.abs(),
            x.neg(),
            x.square(),
            x.sin(),
            x.cos(),
            x.tanh(),
            x.sigmoid(),
            x.relu(),
            x.sign(),
        ),
        (2, 3),
    ),
    case("softmax", lambda x, L: (x.softmax(dim=1), x.log_softmax(0)), (2, 3)),
    case("add_sub_alpha", lambda x, y, L: (x.add(y, alpha=2.5), x.sub(y, alpha=0.5)), (2, 3), (3,)),
    case("mul_div", lambda x, y, L: (x.mul(y), x.div(y), x.div(2.0)), (2, 3), (2, 3), pos=True),
    case(
        "div_rounding",
        lambda x, L: (x.div(0.3, rounding_mode="floor"), x.div(-0.3, rounding_mode="trunc")),
        (2, 3),
    ),
    case(
        "div_int_trunc",
        lambda L: L.i([-7, 7, -7, 7, 6]).div(L.i([2, 2, -2, -2, 3]), rounding_mode="trunc"),
    ),
    case("lerp", lambda x, y, L: (x.lerp(y, 0.3), x.lerp(y, y.sigmoid())), (2, 3), (2, 3)),
    case(
        "addcmul_addcdiv",
        lambda x, y, z, L: (x.addcmul(y, z, value=0.5), x.addcdiv(y, z, value=-2.0)),
        (2, 3),
        (2, 3),
        (3,),
        pos=True,
    ),
    case("maximum_minimum", lambda x, y, L: (x.maximum(y), x.minimum(y)), (2, 3), (2, 3)),
    case("fmod_remainder", lambda x, y, L: (x.fmod(y), x.remainder(y)), (2, 3), (2, 3)),
    case(
        "compare",
        lambda x, y, L: (
            x.eq(y),
            x.ne(x),
            x.lt(y),
            x.le(y),
            x.gt(0.0),
            x.ge(y),
            x.isnan(),
            x.isfinite(),
        ),
        (2, 3),
        (2, 3),
    ),
    case(
        "allclose_equal",
        lambda x, L: (
            x.allclose(x + 1e-9),
            x.allclose(x + 1.0),
            x.equal(x.clone()),
            x.equal(x[:1]),
        ),
        (2, 3),
    ),
    case(
        "nan_to_num",
        lambda x, L: (x.log().nan_to_num(), x.log().nan_to_num(1.0, 2.0, -3.0)),
        (2, 3),
    ),
    # copies, new tensors, conversions
    case("clone_contiguous", lambda x, L: (x.clone(), x.t().contiguous(), x.contiguous()), (2, 3)),
    case(
        "new",
        lambda x, L: (
            x.new_zeros(2, 3),
            x.new_ones((3,)),
            x.new_full((2,), 1.5),
            x.new_tensor([1, 2]),
            x.new_empty(0),
        ),
        (2, 3),
    ),
    case(
        "casts",
        lambda x, L: (
            x.float(),
            x.double(),
            x.long(),
            x.int(),
            x.bool(),
            x.half(),
            x.to(x.t()),
            x.type_as(L.i([1])),
        ),
        (2, 3),
    ),
    # masks and indices
    case("masked_fill", lambda x, L: x.masked_fill(L.f(MASK) > 0, -2.0), (2, 4)),
    case(
        "masked_fill_tensor", lambda x, y, L: x.masked_fill(L.f(MASK[0]) > 0, y.sum()), (2, 4), (2,)
    ),
    case("where", lambda x, y, L: x.where(x > 0, y), (2, 3), (2, 3)),
    case("masked_select", lambda x, L: x.masked_select(L.f(MASK) > 0), (2, 4)),
    case("gather", lambda x, L: x.gather(1, L.i(M)), (2, 4)),
    case("gather_smaller", lambda x, L: x.gather(0, L.i([[1, 0]])), (3, 4)),
    case(
        "scatter",
        lambda x, y, L: (x.scatter(1, L.i(U), y), x.scatter(1, L.i(U), 0.5)),
        (2, 4),
        (2, 3),
    ),
    case("scatter_add", lambda x, y, L: x.scatter_add(1, L.i(M), y), (2, 4), (2, 3)),
    case(
        "scatter_reduce_arg",
        lambda x, y, L: (
            x.scatter(1, L.i(M), y, reduce="add"),
            x.scatter(1, L.i(M), y, reduce="multiply"),
        ),
        (2, 4),
        (2, 3),
        torch_grad=False,
    ),
    case(
        "scatter_src_larger",
        lambda x, y, L: x.scatter(0, L.i([[2, 0]]), y),
        (3, 3),
        (2, 4),
        torch_grad=False,
    ),
    case("index_select", lambda x, L: x.index_select(1, L.i([2, 0, 2])), (2, 3)),
    case(
        "index_add", lambda x, y, L: x.index_add(0, L.i([2, 0, 2]), y, alpha=-1.5), (3, 2), (3, 2)
    ),
    case(
        "index_copy_fill",
        lambda x, y, L: (x.index_copy(1, L.i([2, 0]), y), x.index_fill(0, L.i([1]), -1.0)),
        (2, 3),
        (2, 2),
    ),
    case("sort", lambda x, L: (x.sort(dim=1), x.sort(dim=0, descending=True)), (3, 4)),
    case(
        "sort_ties", lambda L: L.f([[2.0, 1.0, 2.0, 1.0, 3.0]]).sort(descending=True, stable=True)
    ),
    case("argsort", lambda x, L: (x.argsort(dim=0), x.argsort(descending=True)), (3, 4)),
    case("topk", lambda x, L: (x.topk(2), x.topk(2, dim=0, largest=False)), (3, 4)),
    case("cummax_cummin", lambda x, L: (x.cummax(dim=1), x.cummin(0)), (3, 4)),
    case("cummax_ties", lambda L: L.f([[1.0, 3.0, 3.0, 2.0, 3.0]]).cummax(1)),
    case("logcumsumexp", lambda x, L: x.logcumsumexp(dim=0), (3, 4)),
    case("kthvalue", lambda x, L: (x.kthvalue(2), x.kthvalue(1, dim=0, keepdim=True)), (3, 4)),
    case("median", lambda x, L: (x.median(), x.median(dim=1), x.nanmedian(0, True)), (3, 4)),
    case("aminmax", lambda x, L: (x.aminmax(), x.aminmax(dim=1, keepdim=True)), (3, 4)),
    case("take_along_dim", lambda x, L: (x.take_along_dim(L.i([[2], [-1], [0]]), dim=1),
                                         x.take_along_dim(L.i([0, 11, 5]))), (3, 4)),
    case("tensor_split", lambda x, L: (x.tensor_split(3, dim=1), x.tensor_split([1, -1])),
         (3, 4)),
    case("unfold", lambda x, L: x.unfold(1, 2, 1), (3, 4)),
    # in place, on non-leaf tensors (both libraries record them)
    case("add_", lambda x, y, L: x.mul(1.0).add_(y, alpha=2.0).mul_(y), (2, 3), (3,)),
    case("sub_div_", lambda x, y, L: (x * 1.0).sub_(y).div_(y), (2, 3), (2, 3), pos=True),
    case("clamp_", lambda x, L: (x * 1.0).clamp_(-0.3, 0.4), (2, 3)),
    case(
        "unary_",
        lambda x, L: (
            (x * 1.0).exp_(),
            (x * 1.0).sqrt_(),
            (x * 1.0).neg_(),
            (x * 1.0).abs_().sigmoid_(),
            (x * 1.0).square_(),
        ),
        (2, 3),
        pos=True,
    ),
    case("pow_lerp_", lambda x, y, L: (x * 1.0).pow_(3).lerp_(y, 0.25), (2, 3), (2, 3)),
    case(
        "addcmul_",
        lambda x, y, L: (x * 1.0).addcmul_(y, y, value=0.1).addcdiv_(x, y),
        (2, 3),
        (2, 3),
        pos=True,
    ),
    case(
        "zero_fill_copy_",
        lambda x, y, L: (x * 1.0).zero_() + (x * 1.0).fill_(y.sum()) + (x * 1.0).copy_(y),
        (2, 3),
        (3,),
    ),
    case("masked_fill_", lambda x, L: (x * 1.0).masked_fill_(L.f(MASK) > 0, 0.5), (2, 4)),
    case("index_add_", lambda x, y, L: (x * 1.0).index_add_(0, L.i([1, 1]), y), (2, 3), (2, 3)),
    case(
        "scatter_",
        lambda x, y, L: (x * 1.0).scatter_(1, L.i(U), y).scatter_add_(1, L.i(M), y),
        (2, 4),
        (2, 3),
    ),
]


def _outputs(r):
    """The outputs of a call as a flat list (tuples, namedtuples and lists opened)."""
    if isinstance(r, tuple | list):
        return [o for item in r for o in _outputs(item)]
    return [r]


def _host(o):
    if isinstance(o, bool | int | float):
        return np.asarray(o)
    if isinstance(o, torch.Tensor):
        return o.detach().numpy()
    return to_numpy(o)


def _run_gpuad(fn, xs):
    ts = [ad.tensor(ad.get_backend().xp.asarray(x), requires_grad=True) for x in xs]
    outs = _outputs(fn(*ts, _Lib("gpuad")))
    return ts, outs


def _weights(outs):
    rng = np.random.default_rng(1)
    return [
        rng.standard_normal(np.shape(_host(o))) if _host(o).dtype == np.float64 else None
        for o in outs
    ]


def _loss(outs, ws, lib):
    total = 0.0
    for o, w in zip(outs, ws, strict=True):
        if w is not None and getattr(o, "requires_grad", False):
            wt = torch.tensor(w) if lib == "torch" else ad.get_backend().xp.asarray(w)
            total = total + (o * wt).sum()
    return total


@pytest.mark.filterwarnings("ignore:Using torch.cross without specifying the dim")
@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
@pytest.mark.parametrize("fn,shapes,pos,torch_grad", CASES)
def test_matches_torch(backend, fn, shapes, pos, torch_grad):
    rng = np.random.default_rng(0)
    xs = [rng.uniform(0.5, 2.0, s) if pos else rng.uniform(-1.0, 1.0, s) for s in shapes]
    before = [x.copy() for x in xs]
    ts, outs = _run_gpuad(fn, xs)
    tt = [torch.tensor(x, requires_grad=True) for x in xs]
    touts = _outputs(fn(*tt, _Lib("torch")))
    assert len(outs) == len(touts)
    for o, to in zip(outs, touts, strict=True):
        got, want = _host(o), _host(to)
        assert got.shape == want.shape, (got.shape, want.shape)
        if got.dtype.kind == "f" and want.dtype.kind == "f" and got.size:
            assert got.dtype.itemsize == want.dtype.itemsize, (got.dtype, want.dtype)
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        elif not (got.dtype.kind == want.dtype.kind == "f"):  # new_empty: any values
            assert got.dtype == want.dtype, (got.dtype, want.dtype)
            np.testing.assert_array_equal(got, want)
    for x, b in zip(xs, before, strict=True):
        np.testing.assert_array_equal(x, b)  # inputs left as they were
    if not ts:
        return
    ws = _weights(outs)
    loss = _loss(outs, ws, "gpuad")
    tloss = _loss(touts, ws, "torch")
    if not isinstance(tloss, torch.Tensor):  # nothing differentiable: gpuad agrees
        assert not isinstance(loss, ad.Tensor) or not loss.requires_grad
        return
    if torch_grad:
        tloss.backward()
    if not isinstance(loss, ad.Tensor):  # piecewise constant (rounding): torch's zero gradient
        assert all(t.grad is None or not t.grad.any() for t in tt)
        return
    loss.backward()
    for t, tt_ in zip(ts, tt if torch_grad else (), strict=False):
        want = tt_.grad.numpy() if tt_.grad is not None else np.zeros(tt_.shape)
        got = to_numpy(t.grad) if t.grad is not None else np.zeros(t.shape)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    # the gradient against float64 central differences along a random direction
    vs = [rng.standard_normal(x.shape) for x in xs]

    def f(eps):
        with ad.no_grad():
            ins = [
                ad.tensor(ad.get_backend().xp.asarray(x + eps * v))
                for x, v in zip(xs, vs, strict=True)
            ]
            outs_ = _outputs(fn(*ins, _Lib("gpuad")))
        return sum(
            float(np.sum(_host(o) * w))
            for o, w in zip(outs_, ws, strict=True)
            if w is not None and _host(o).dtype.kind == "f"
        )

    eps = 1e-6
    fd = (f(eps) - f(-eps)) / (2 * eps)
    ad_dir = sum(
        float(np.sum((to_numpy(t.grad) if t.grad is not None else 0.0) * v))
        for t, v in zip(ts, vs, strict=True)
    )
    assert abs(fd - ad_dir) <= 1e-6 * (1 + abs(fd)), (fd, ad_dir)


# ---- in-place methods: the write path of x += v ------------------------------------------------

IN_PLACE = [
    ("add_", lambda a: a.add_(1.0)),
    ("mul_", lambda a: a.mul_(2.0)),
    ("div_", lambda a: a.div_(2.0)),
    ("clamp_", lambda a: a.clamp_(min=0.0)),
    ("exp_", lambda a: a.exp_()),
    ("zero_", lambda a: a.zero_()),
    ("fill_", lambda a: a.fill_(3.0)),
    ("copy_", lambda a: a.copy_(gnp.ones(3))),
    ("masked_fill_", lambda a: a.masked_fill_(a > 0, 0.0)),
    ("index_add_", lambda a: a.index_add_(0, ad.tensor(np.array([0, 0])), ad.tensor(np.ones(2)))),
    ("scatter_", lambda a: a.scatter_(0, ad.tensor(np.array([2])), 5.0)),
    ("+=", lambda a: a.__iadd__(1.0)),
]


@pytest.mark.parametrize("name,write", IN_PLACE, ids=[n for n, _ in IN_PLACE])
def test_in_place_bumps_versions_and_guards_saved_values(backend, name, write):
    x = ad.tensor(ad.get_backend().xp.asarray([0.5, -1.0, 2.0]), requires_grad=True)
    a = x * 1.0
    b = a * a  # saves a
    v = a._version
    assert write(a) is a
    assert a._version > v
    with pytest.raises(GradError, match="version|modified|in-place|overwritten"):
        b.sum().backward()


@pytest.mark.parametrize("name,write", IN_PLACE[:4], ids=[n for n, _ in IN_PLACE[:4]])
def test_in_place_on_a_leaf(backend, name, write):
    x = ad.tensor(ad.get_backend().xp.asarray([0.5, -1.0, 2.0]), requires_grad=True)
    with pytest.raises(GradError, match="leaf"):
        write(x)
    np.testing.assert_array_equal(to_numpy(x), [0.5, -1.0, 2.0])  # left as it was
    v = x._version
    with ad.no_grad():  # an optimiser step: allowed, and seen by the version
        write(x)
    assert x._version > v


def test_in_place_shape_and_dtype_checks(backend):
    a = ad.tensor(ad.get_backend().xp.asarray([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match="shape"):
        a.add_(gnp.ones((2, 3)))
    i = ad.tensor(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="cast"):
        i.mul_(1.5)
    i.add_(2)
    np.testing.assert_array_equal(to_numpy(i), [3, 4, 5])


def test_optimizer_style_update_and_grad_zero(backend):
    p = ad.tensor(ad.get_backend().xp.asarray([1.0, 2.0]), requires_grad=True)
    (p * p).sum().backward()
    with ad.no_grad():
        p.add_(p.grad, alpha=-0.1)
    p.grad.zero_()
    np.testing.assert_allclose(to_numpy(p), [0.8, 1.6], rtol=1e-15)
    np.testing.assert_array_equal(to_numpy(p.grad), [0.0, 0.0])


# ---- where NumPy's and torch's meanings meet -------------------------------------------------


def _x23():
    return ad.tensor(
        ad.get_backend().xp.asarray(np.arange(6.0).reshape(2, 3) ** 1.5), requires_grad=True
    )


def test_positional_calls_keep_numpys_meaning(backend):
    x = _x23()
    data = np.arange(6.0).reshape(2, 3) ** 1.5
    np.testing.assert_allclose(to_numpy(x.max(1)), data.max(1))  # values only, as NumPy
    np.testing.assert_allclose(to_numpy(x.std(0)), data.std(0))  # ddof 0, as NumPy
    np.testing.assert_allclose(to_numpy(x.std(dim=0)), data.std(0, ddof=1))  # torch's
    np.testing.assert_allclose(to_numpy(x.var()), data.var())
    np.testing.assert_allclose(to_numpy(x.repeat(2)), data.repeat(2))
    np.testing.assert_allclose(to_numpy(x.transpose(1, 0)), data.T)
    np.testing.assert_allclose(to_numpy(x.transpose((0, 1))), data)
    assert x.flatten()._base is None  # NumPy's copy
    assert (x * 1.0).flatten(0)._base is not None  # torch's: a view where one is possible
    assert isinstance(x.size, int) and x.size == 6 and x.size(0) == 2  # both: docs/porting.md
    assert x.max(dim=1).values.shape == (2,) and x.max(dim=1).indices.dtype == np.int64


def test_ambiguous_calls_raise(backend):
    x = _x23()
    with pytest.raises(TypeError, match="ambiguous"):
        x.sort()
    with pytest.raises(ValueError, match="ambiguous"):
        x.transpose(0, 1)
    with pytest.raises(ValueError, match="ambiguous"):
        x.transpose(-2, -1)
    with pytest.raises(TypeError, match="tile"):
        x.repeat(2, 2, 2)
    with pytest.raises(RuntimeError, match="view"):
        x.t().view(6)  # torch refuses a view of a non-contiguous tensor too
    with pytest.raises(TypeError, match="astype"):
        x.view(np.float32)
    with pytest.raises(ValueError, match="squeeze"):
        x.squeeze(0)
    with pytest.raises(RuntimeError, match="backend"):
        x.to("cuda" if ad.get_backend().name == "numpy" else "cpu")
    with pytest.raises(TypeError, match="dim=/unbiased="):
        x.std(dim=0, ddof=1)


def test_view_shares_memory_and_records_writes(backend):
    x = ad.tensor(ad.get_backend().xp.asarray(np.arange(6.0)), requires_grad=True)
    a = x * 1.0
    v = a.view(2, 3)
    v[1, 0] = 100.0  # a write through the view reaches a, as in torch
    assert float(a[3]) == 100.0
    (a * a).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [0.0, 2.0, 4.0, 0.0, 8.0, 10.0])


def test_new_tensors_are_backend_constants(backend):
    x = _x23()
    for r in (x.new_zeros(2), x.new_ones(2), x.new_full((2,), 3.0), x.new_tensor([1.0])):
        assert isinstance(r, ad.Tensor) and not r.requires_grad
        assert isinstance(r.data, ad.get_backend().array_type)
    assert x.new_zeros(2, requires_grad=True).requires_grad
    assert x.cpu() is x if ad.get_backend().name == "numpy" else x.cuda() is x
    assert (x.numel(), x.dim(), x.ndimension(), x.element_size()) == (6, 2, 2, 8)
    assert x.is_contiguous() and not x.t().is_contiguous()


def test_vmap_and_jit(backend):
    rng = np.random.default_rng(2)
    xs = ad.get_backend().xp.asarray(rng.standard_normal((3, 2, 4)))

    def f(x):
        v, i = x.max(dim=-1, keepdim=True)
        return (x.softmax(dim=-1) * v).sum(dim=0).unsqueeze(0).clamp(min=-0.5).norm()

    batched = ad.vmap(f)(ad.tensor(xs))
    one = [float(f(ad.tensor(xs[k]))) for k in range(3)]
    np.testing.assert_allclose(to_numpy(batched), one, rtol=1e-12)
    g = ad.grad(f)(xs[0])
    gj = ad.grad(ad.jit(f))(xs[0])
    np.testing.assert_allclose(to_numpy(gj), to_numpy(g), rtol=1e-12)
    tx = torch.tensor(to_numpy(xs[0]), requires_grad=True)
    v, _ = tx.max(dim=-1, keepdim=True)
    (tx.softmax(dim=-1) * v).sum(dim=0).unsqueeze(0).clamp(min=-0.5).norm().backward()
    np.testing.assert_allclose(to_numpy(g), tx.grad.numpy(), rtol=1e-10)


def test_indices_outside_the_dim_raise(backend):
    # torch's rule: [0, n) only (NumPy would read -1 as the last entry; CuPy wraps any index);
    # index_fill takes [-n, n), as torch's
    x = ad.tensor(ad.get_backend().xp.asarray(np.arange(8.0).reshape(2, 4)), requires_grad=True)
    calls = {
        "gather": lambda i: x.gather(1, np.array([[i], [0]])),
        "scatter": lambda i: x.scatter(1, np.array([[i], [0]]), 1.0),
        "index_select": lambda i: x.index_select(1, np.array([i])),
        "index_add": lambda i: x.index_add(1, np.array([i]), ad.tensor(np.ones((2, 1)))),
        "index_fill": lambda i: x.index_fill(1, np.array([i]), 0.0),
    }
    for name, call in calls.items():
        for i in (4, -5 if name == "index_fill" else -1):
            with pytest.raises(IndexError, match=f"{name}: index {i} is out of range"):
                call(i)
    np.testing.assert_array_equal(to_numpy(x.index_fill(1, np.array([-1]), 0.0)),
                                  [[0, 1, 2, 0], [4, 5, 6, 0]])
    with pytest.raises(TypeError, match="integers"):
        x.gather(1, np.array([[0.0], [1.0]]))
    f = ad.jit(lambda x, i: x.gather(1, i).sum())
    f(to_numpy(x), np.array([[3], [0]]))
    with pytest.raises(IndexError, match="out of range"):  # checked again on each replay
        f(to_numpy(x), np.array([[4], [0]]))
