"""PyTorch's view semantics (test/test_view_ops.py) and in-place writes on views
(test/test_autograd.py) on gpuad's torch-style Tensor API, compared with torch in float64.

Two batteries:

* ``GRAD``: programs ``f(M, x)`` over a leaf ``x`` that requires grad, written once for
  ``M`` = torch or gpuad: view ops, writes through chains of views of non-leaf tensors (the
  base's history rebased), writes to a base after a view was taken, version errors, leaf
  views. The values of every output after the writes and ``x``'s gradient must agree, or
  both must raise. Where torch refuses a write gpuad differentiates exactly (a view
  overwritten by a function of itself, pieces of ``unbind``), the values are torch's under
  ``no_grad`` and the gradient is checked against central differences of torch's program;
  where gpuad is stricter (an unrecorded write through ``detach()`` or under ``no_grad``
  that torch's gradient ignores) gpuad must raise.
* ``PLAIN``: tensors without grad: a write through the result of a view op must reach the
  base as in torch, and a copy must leave it alone
  where gpuad's result is a copy and
  torch's a view, the write must raise (never a silent miss).
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

torch = pytest.importorskip("torch")


def _f64(a):
    a = np.asarray(a)
    return a.astype(np.float64) if a.dtype.kind in "iuf" else a  # bool and complex kept


def _g_tensor(a, rg=False):
    return ad.tensor(ad.get_backend().asarray(_f64(a)), requires_grad=rg)


def _t_tensor(a, rg=False):
    return torch.tensor(_f64(a), requires_grad=rg)


G = types.SimpleNamespace(
    name="gpuad", tensor=_g_tensor, zeros=lambda *s: _g_tensor(np.zeros(s)),
    no_grad=ad.no_grad, sin=gnp.sin, exp=gnp.exp,
)
T = types.SimpleNamespace(
    name="torch", tensor=_t_tensor, zeros=lambda *s: torch.zeros(*s, dtype=torch.float64),
    no_grad=torch.no_grad, sin=torch.sin, exp=torch.exp,
)
X = np.linspace(-1.1, 1.9, 24) + 0.03 * np.arange(24) ** 1.3

GRAD: dict = {}
PLAIN: dict = {}


def _case(f):
    GRAD[f.__name__] = f
    return f


def _plain(f):
    PLAIN[f.__name__] = f
    return f


# ---- GRAD: f(M, x) -> outputs; x a leaf of shape (24,) that requires grad ------------------


@_case
def view_write_base_visible(M, x):
    y = x * 1.0
    v = y.view(4, 6)
    v[1, 2:4] = x[0:2] * 3
    return [y, v]


@_case
def base_write_view_visible(M, x):
    y = x * 1.0
    v = y.view(4, 6)
    y[7] = x[3] ** 2
    return [v * 1, y]


@_case
def view_as_write(M, x):
    y = x * 2.0
    o = M.zeros(4, 6)
    v = y.view_as(o)
    v.mul_(v)
    return [y]


@_case
def reshape_contig_write(M, x):
    y = x * 2.0
    v = y.reshape(6, 4)
    v[:, 1] += x[:6]
    return [y]


@_case
def reshape_noncontig_copy(M, x):
    y = (x * 2.0).view(4, 6).t()
    r = y.reshape(24)
    r[0:5] = 0.0
    return [y, r]


@_case
def flatten_view_write(M, x):
    y = (x * 2.0).view(2, 3, 4)
    f = y.flatten(1)
    f[:, 3] = x[:2]
    return [y]


@_case
def flatten_noncontig(M, x):
    y = (x * 2.0).view(2, 3, 4).permute(2, 0, 1)
    f = y.flatten(1)
    f[0] = 5.0
    return [y, f]


@_case
def unflatten_write(M, x):
    y = x * 2.0
    u = y.unflatten(0, (2, 12))
    u[1, ::3] *= x[:4]
    return [y]


@_case
def unsqueeze_squeeze_write(M, x):
    y = (x * 2.0).view(4, 6)
    u = y.unsqueeze(1).squeeze(1)
    u.unsqueeze(0)[0, 2] += 1.5 * x[:6]
    return [y]


@_case
def squeeze_dim_write(M, x):
    y = (x * 2.0).view(4, 1, 6)
    s = y.squeeze(1)
    s[3] = x[6:12] ** 2
    return [y]


@_case
def transpose_write(M, x):
    y = (x * 2.0).view(2, 3, 4)
    t = y.transpose(0, 2)
    t[1] *= 3.0
    t[0, 1, 0] = x[0]
    return [y]


@_case
def t_write(M, x):
    y = (x * 2.0).view(4, 6)
    y.t()[2].add_(x[:4])
    return [y]


@_case
def T_2d_write(M, x):
    y = (x * 2.0).view(4, 6)
    y.T[0:2, 1].mul_(x[:2])
    return [y]


@_case
def mT_write(M, x):
    y = (x * 2.0).view(2, 3, 4)
    y.mT[1, 2] += x[:3]
    return [y]


@_case
def permute_write(M, x):
    y = (x * 2.0).view(2, 3, 4)
    p = y.permute(1, 2, 0)
    p[0].mul_(x[:8].view(4, 2))
    return [y]


@_case
def movedim_write(M, x):
    y = (x * 2.0).view(2, 3, 4)
    p = y.movedim(2, 0)
    p[1:3] = x[:6].view(1, 2, 3) * 2
    return [y]


@_case
def swapaxes_write(M, x):
    y = (x * 2.0).view(2, 3, 4)
    p = y.swapaxes(0, 1)
    p[2, 1] = 7.0 * x[1]
    return [y]


@_case
def diagonal_write(M, x):
    y = (x * 2.0)[:16].view(4, 4)
    d = y.diagonal()
    d.mul_(x[:4])
    return [y]


@_case
def diagonal_offset_write(M, x):
    y = (x * 2.0).view(4, 6)
    d = y.diagonal(2)
    d += x[:4] ** 2
    return [y]


@_case
def diagonal_dims_write(M, x):
    y = (x * 2.0).view(2, 3, 4)
    d = y.diagonal(1, 0, 2)
    d.copy_(x[5:11].view(3, 2) * 3.0)
    return [y, d]


@_case
def narrow_write(M, x):
    y = (x * 2.0).view(4, 6)
    n = y.narrow(1, 2, 3)
    n.mul_(n)
    return [y]


@_case
def narrow_neg_start(M, x):
    y = (x * 2.0).view(4, 6)
    n = y.narrow(0, -2, 2)
    n.zero_()
    return [y]


@_case
def select_write(M, x):
    y = (x * 2.0).view(4, 6)
    s = y.select(1, -1)
    s.add_(x[:4])
    return [y]


@_case
def select_0d_write(M, x):
    y = (x * 2.0)
    s = y.select(0, 3)
    s.mul_(x[5])
    return [y, s]


@_case
def unbind_write(M, x):
    y = (x * 2.0).view(4, 6)
    a, b, c, d = y.unbind(0)
    b.mul_(x[:6])
    d.sub_(c)
    return [y]


@_case
def unbind_dim1_write(M, x):
    y = (x * 2.0).view(4, 6)
    ps = y.unbind(1)
    ps[2].copy_(x[:4])
    return [y]


@_case
def expand_read(M, x):
    e = x[:4].view(4, 1).expand(4, 3)
    return [e * M.tensor(np.arange(12.).reshape(4, 3))]


@_case
def expand_as_read(M, x):
    e = x[:3].expand_as(M.zeros(5, 3))
    return [e * e]


@_case
def step_slice_write(M, x):
    y = x * 2.0
    s = y[1::3]
    s[::2] = x[:4]
    return [y]


@_case
def step_slice_2d(M, x):
    y = (x * 2.0).view(4, 6)
    s = y[::2, 1::2]
    s.mul_(s)
    return [y]


@_case
def chained_views_write(M, x):
    y = x * 2.0
    v = y.view(4, 6).t()[1:5].narrow(1, 1, 2).select(1, 0)
    v.mul_(x[:4])
    return [y]


@_case
def view_after_base_write_then_view_write(M, x):
    y = x * 2.0
    a = y[2:10]
    y[5] = x[0] * x[1]
    a[1:4] *= 2.0
    return [y, a]


@_case
def old_view_used_after_base_inplace(M, x):
    y = x * 1.0
    a = y.view(4, 6)[1]
    y.mul_(x)
    return [a * 1.0]


@_case
def two_views_siblings(M, x):
    y = x * 1.0
    a = y[:12]
    b = y[6:18]
    a.mul_(2.0)
    b.add_(x[:12])
    return [a, b, y]


@_case
def detach_view_shares(M, x):
    y = x * 1.0
    d = y.detach()
    return [d[0:3] * 1, y]


@_case
def detach_write_visible_in_base(M, x):
    y = x * 3.0
    d = y.detach()
    d[0] = 100.0
    return [y * 1.0]


@_case
def nograd_write_through_view(M, x):
    y = x * 3.0
    with M.no_grad():
        y[4:8].mul_(0.5)
    return [y * y]


@_case
def split_write(M, x):
    y = x * 2.0
    a, b, c = y.split(8)
    return [a * 1, c * 1]


@_case
def chunk_read(M, x):
    y = (x * 2.0).view(4, 6)
    ps = y.chunk(4, 1)
    return [ps[0] * ps[2], ps[1]]


@_case
def tensor_split_read(M, x):
    y = (x * 2.0).view(4, 6)
    ps = y.tensor_split(4, 1)
    return [p * 1 for p in ps]


@_case
def tensor_split_idx(M, x):
    y = (x * 2.0).view(4, 6)
    ps = y.tensor_split([1, 4], 1)
    return [p * 1 for p in ps]


@_case
def tensor_split_write(M, x):
    y = (x * 2.0).view(4, 6)
    ps = y.tensor_split([1, 4], 1)
    ps[1][1:3].mul_(x[:3])
    return [y]


@_case
def unfold_read(M, x):
    y = (x * 2.0).view(4, 6)
    u = y.unfold(1, 3, 2)
    return [u * u]


@_case
def real_of_real(M, x):
    y = x * 2.0
    r = y.real
    r[0:3] = x[:3]
    return [y]


@_case
def setitem_ellipsis(M, x):
    y = (x * 2.0).view(4, 6)
    y[..., 1] = x[:4]
    y[1, ...] += 1
    return [y]


@_case
def setitem_newaxis(M, x):
    y = (x * 2.0).view(4, 6)
    y[None, 2][0, 1:3] = x[:2]
    return [y]


@_case
def inplace_nonleaf_chain_then_backward(M, x):
    y = x.sin()
    y.view(4, 6)[1:3].t()[2].mul_(x[:2].exp())
    z = y.cos()
    return [z]


@_case
def double_write_same_view(M, x):
    y = x * 1.0
    v = y[3:9]
    v.mul_(2.0)
    v.mul_(v)
    v.add_(1.0)
    return [y]


@_case
def write_view_then_base_ops(M, x):
    y = x * 1.0
    v = y.view(4, 6).t()
    v[0].exp_()
    w = y.pow(2)
    return [w, v]


@_case
def leaf_data_write(M, x):
    y = x.detach().clone()
    y.requires_grad_(False)
    v = y[2:5]
    v.mul_(x[:3])
    return [y]


@_case
def constant_buf_view_write(M, x):
    o = M.zeros(4, 6)
    c = o.t()
    c[2, 1:3] = x[:2] * 5
    o[0].add_(x[6:12])
    return [o, c]


@_case
def as_view_output_used_twice(M, x):
    y = x * 2.0
    v = y[:6]
    w = v * v
    v.add_(1.0)
    return [y, w.detach()]

# ---- test_autograd-style in-place on views -------------------------------------------------


@_case
def leaf_view_inplace_error(M, x):
    v = x[1:4]
    v.mul_(2.0)
    return [x]


@_case
def leaf_view_view_inplace_error(M, x):
    v = x.view(4, 6)[1].narrow(0, 0, 2)
    v.zero_()
    return [x]


@_case
def leaf_inplace_error(M, x):
    x.add_(1.0)
    return [x]


@_case
def leaf_view_nograd_ok(M, x):
    with M.no_grad():
        x[1:4].mul_(2.0)
    return [x * x]


@_case
def saved_base_modified_via_view(M, x):
    y = x * 1.0
    z = y.exp()
    y[2:4].mul_(2.0)
    return [z]


@_case
def saved_base_used_by_pow_then_view_write(M, x):
    y = x * 1.0
    z = y.pow(2)
    y.view(4, 6)[0].add_(1.0)
    return [z]


@_case
def saved_view_modified_via_base(M, x):
    y = x * 1.0
    v = y[3:9]
    z = v.sin()
    y.mul_(2.0)
    return [z]


@_case
def saved_view_output_modified(M, x):
    y = x * 1.0
    v = y[3:9]
    z = v.exp()
    z.mul_(2.0)
    return [z]


@_case
def view_of_exp_output_write(M, x):
    y = x.exp()
    y[0:3].mul_(2.0)
    return [y]


@_case
def view_of_sigmoid_output_write(M, x):
    y = x.sigmoid()
    y.view(4, 6)[1].zero_()
    return [y]


@_case
def multiple_views_grad(M, x):
    y = x * 1.0
    a = y.view(4, 6)
    b = a.t()
    c = b[1:3]
    c.mul_(a.t()[4:6] * 1.0)
    return [y, a, b]


@_case
def view_rebase_then_view_use(M, x):
    y = x * 1.0
    a = y[:12]
    b = y.view(4, 6)
    a.mul_(x[:12])
    return [b * 1.0]


@_case
def version_after_view_write(M, x):
    y = x * 1.0
    a = y[2:5]
    z = a * a
    y[3] = 0.0
    return [z]


@_case
def nonleaf_view_copy_(M, x):
    y = M.zeros(4, 6)
    y[1].copy_(x[:6])
    y.t()[0].copy_(x[6:10])
    return [y]


@_case
def inplace_on_view_then_view_grad(M, x):
    y = x.view(4, 6) * 1.0
    r = y[1]
    r.mul_(3.0)
    s = y[1:3].sum()
    return [s, r]


@_case
def inplace_view_of_inplace_view(M, x):
    y = x * 1.0
    v1 = y[2:20]
    v2 = v1[1:10]
    v2.mul_(2.0)
    v1.add_(x[:18])
    return [y, v2]


@_case
def view_write_requires_grad_value(M, x):
    y = M.zeros(6)
    w = x[:3] * 1.0
    y[::2] = w
    w.mul_(3.0)
    return [y, w]


@_case
def detach_view_inplace_saved(M, x):
    y = x * 1.0
    z = y.sin()
    y.detach()[1:3].zero_()
    return [z]


@_case
def detach_then_write_view_of_leaf(M, x):
    d = x.detach()
    d[2] = 5.0
    return [x * 2]


@_case
def data_write_leaf(M, x):
    with M.no_grad():
        x.view(4, 6)[2, 1] = 5.0
    return [x * x]


@_case
def select_scatter_like(M, x):
    y = x.view(4, 6) * 1.0
    y.select(0, 2).select(0, 1).mul_(x[0])
    return [y]


@_case
def split_grad_only_one(M, x):
    y = x * 1.0
    a, b = y.split(12)
    return [b * 2.0]


@_case
def unbind_grad(M, x):
    y = x.view(4, 6) * 1.0
    rs = y.unbind(1)
    return [rs[0] * rs[5], rs[3]]


@_case
def expand_grad_sum(M, x):
    e = x[:6].view(1, 6).expand(3, 6)
    return [e * M.tensor(np.arange(18.).reshape(3, 6))]


@_case
def unfold_grad_overlap(M, x):
    u = x.unfold(0, 5, 2)
    return [u * u]


@_case
def diagonal_grad(M, x):
    y = x.view(4, 6)
    return [y.diagonal(1) ** 2, y.diagonal(-1, 1, 0)]


@_case
def T_mT_grad(M, x):
    y = x.view(2, 3, 4)
    return [y.mT * 2, y.permute(2, 0, 1) ** 2]


@_case
def narrow_select_grad(M, x):
    y = x.view(4, 6)
    return [y.narrow(1, 3, 2).select(0, 1) ** 3]


@_case
def view_write_out_of_range_step(M, x):
    y = x * 1.0
    y[::5].zero_()
    return [y]


@_case
def write_base_then_view_sum(M, x):
    y = x * 1.0
    a = y.view(4, 6)[:, 2]
    y.mul_(x)
    return [a.sum() * 1.0]


# ---- test_autograd.py's test_inplace_on_view_* ------------------------------------------------
@_case
def ta_backprop_base(M, x):
    root = x[:4].view(2, 2)
    y = root.clone()
    y.narrow(0, 0, 1).mul_(2)
    return [y.sum() * 1.0]


@_case
def ta_backprop_view_of_view(M, x):
    y = x[:4].view(2, 2).clone()
    v1 = y.narrow(0, 0, 1)
    v2 = y.narrow(0, 0, 1)
    v1.mul_(2)
    return [v2.sum() * 1.0]


@_case
def ta_of_view(M, x):
    y = x[:4].view(2, 2).clone()
    y.narrow(0, 0, 1).narrow(1, 1, 1).mul_(2)
    return [y]


@_case
def ta_then_no_grad(M, x):
    b = x[:3].view(3, 1) * 2
    c = b.view_as(b)
    c[0][0] = 3
    with M.no_grad():
        c.sum()
    return [c, b]


@_case
def ta_gradcheck_two_writes(M, x):
    root, b = x[:16].view(4, 4), x[16:20].view(2, 2)
    y = root.clone()
    y.narrow(1, 2, 2).narrow(0, 1, 2).mul_(b)
    y.narrow(1, 0, 2).narrow(0, 1, 2).mul_(b)
    return [y]


@_case
def ta_makes_base_require_grad(M, x):
    root = M.tensor(np.arange(16.0).reshape(4, 4) / 7)
    y = root.clone()
    y.narrow(1, 2, 2).mul_(x[:8].view(4, 2))
    return [y]


@_case
def ta_backprop_view(M, x):
    a = M.tensor([2.0, 5.0])
    res = a.narrow(0, 1, 1).mul_(x[3:4])
    return [res, a]


@_case
def ta_modify_base(M, x):
    y = M.zeros(5) + 1.0
    v = y.select(0, 1)
    y.add_(x[2])
    return [v * 1.0]


@_case
def ta_non_contig_leaf(M, x):
    r = x[:12].view(2, 3, 2).select(2, 1).t()
    y = r.clone()
    y.narrow(0, 0, 1).narrow(1, 1, 1).mul_(2)
    return [y.sum() * 1.0, y]


@_case
def ta_multi_output_unsafe(M, x):
    b = x[:9].view(3, 3) + x[:9].view(3, 3)
    s1, s2, s3 = b.unsafe_split(1)
    s1.mul_(s2)
    return [s1]


@_case
def ta_multi_output_safe_split(M, x):
    b = x[:9].view(3, 3) + x[:9].view(3, 3)
    s1, s2, s3 = b.split(1)
    s1.mul_(s2)
    return [s1, b]


@_case
def ta_multi_output_view_of_unbind(M, x):
    a = x[:10].clone()
    c = a.unbind(0)[0].view_as(a[0])
    c.mul_(2)
    return [a]


@_case
def ta_multi_output_chunk(M, x):
    b = x[:9].view(3, 3) * 2
    s1, s2, s3 = b.chunk(3)
    s3.add_(s1)
    return [b]


@_case
def nograd_view_of_leaf_written_with_grad(M, x):
    with M.no_grad():
        v = x[1:4]
    v.mul_(2.0)
    return [x * 1.0]


@_case
def data_write_after_exp(M, x):
    y = x.exp()
    y.data[0] = 5.0  # .data: not recorded, not versioned (torch's gradient reads the new value)
    return [y]


# ---- more writes through views: complex parts, steps, masks, overlaps, in-place methods ----
@_case
def expand_nonleaf_inplace(M, x):
    y = x[:3] * 1.0
    e = y.view(3, 1).expand(3, 4)
    e.mul_(2.0)
    return [y]


@_case
def complex_real_write(M, x):
    z = x[:6] * (1 + 2j)
    z.real[1:3] = x[6:8]
    return [z.real * 1, z.imag * 1, z.abs()]


@_case
def complex_imag_T_write(M, x):
    z = (x[:6] * (1 - 0.5j)).view(2, 3)
    z.T.imag[0].mul_(x[8:10])
    return [z.real * 1, z.imag * 1]


@_case
def view_noncontig_error(M, x):
    y = (x * 1.0).view(4, 6).t()
    return [y.view(24)]


@_case
def step_index_2d_write(M, x):
    y = (x * 1.0).view(4, 6)
    y[::2, ::3] = x[:4].view(2, 2) ** 2
    y[1:-1:2, -3:] *= 2.0
    return [y]


@_case
def mask_write_through_view(M, x):
    y = (x * 1.0).view(4, 6)
    v = y[:, 1:3]
    v[M.tensor(np.array([[1, 0], [0, 1], [1, 1], [0, 0]], bool))] = x[:4] * 3
    return [y]


@_case
def masked_fill_view(M, x):
    y = (x * 1.0).view(4, 6)
    y[1].masked_fill_(M.tensor(np.arange(6) % 2 == 0), 0.5)
    return [y]


@_case
def clamp_relu_on_view(M, x):
    y = x * 1.0
    y[2:10].clamp_(-0.5, 0.7)
    y.view(4, 6)[3].relu_()
    return [y.exp()]


@_case
def index_add_on_view(M, x):
    y = (x * 1.0).view(4, 6)
    idx = torch.tensor([0, 2]) if M is T else ad.tensor(np.array([0, 2]))
    y.t()[1:4].index_add_(1, idx, x[:6].view(3, 2))
    return [y]


@_case
def overlap_copy_(M, x, ref=False):
    y = x * 1.0
    src = y[2:7]
    y[0:5].copy_(src.clone() if ref else src)
    return [y]


@_case
def overlap_iadd(M, x, ref=False):
    y = x * 1.0
    src = y[0:3]
    y[1:4] += src.clone() if ref else src
    return [y]


@_case
def broadcast_value_add_(M, x):
    y = (x * 1.0).view(4, 6)
    y[:, 2:4].add_(x[:1])
    return [y]


@_case
def setitem_view_with_view(M, x):
    y = (x * 1.0).view(4, 6)
    y[0] = y[1] * 2
    y[:, 0] = y[:, 1]
    return [y]


@_case
def lerp_addcmul_on_view(M, x):
    y = x * 1.0
    v = y[3:9]
    v.lerp_(x[:6], 0.3)
    v.addcmul_(x[6:12], x[12:18], value=0.5)
    return [y]


@_case
def write_then_view_of_old_view(M, x):
    y = x * 1.0
    b = y.view(4, 6)[1:3]
    y[7:9] = x[:2] * 4
    return [b.t() * 1.0]


@_case
def squeeze_all_and_write(M, x):
    y = (x * 1.0).view(1, 4, 1, 6)
    y.squeeze()[2, 1:4].mul_(x[:3])
    return [y]


@_case
def unflatten_neg1_write(M, x):
    y = x * 1.0
    y.unflatten(0, (-1, 4))[:, 0].div_(x[:6] + 3.0)
    return [y]



# ---- a leaf written under no_grad (an optimiser step) with views taken before ------------------
@_case
def leaf_step_then_old_view(M, x):
    v = x[1:4]
    with M.no_grad():
        x.mul_(0.5)
    return [v * v]


@_case
def leaf_step_then_old_transposed_view(M, x):
    v = x[:6].view(2, 3).t()
    with M.no_grad():
        x[2] = 7.0
    return [v.exp() * v]


@_case
def leaf_step_through_view(M, x):
    with M.no_grad():
        x.view(4, 6)[1].mul_(2.0)
    return [x * x]


@_case
def requires_grad_on_a_view_of_a_constant(M, x):
    a = M.tensor(np.zeros(5))
    v = a[1:3]
    v.requires_grad_()
    return [v * v * x[0]]


@_case
def out_into_a_view(M, x):
    y = x * 1.0
    if M is T:
        torch.mul(x[:3], 2.0, out=y[2:5])
    else:
        gnp.multiply(x[:3], 2.0, out=y[2:5])
    return [y]



# ---- detach_ (test_autograd's test_detach, test_detach_base) ----------------------------------
@_case
def detach_in_place_of_a_view(M, x):
    v = (x * 2)[1:3]
    v.detach_()
    return [v]


@_case
def detach_in_place_of_a_leaf_keeps_its_views(M, x):
    v = x[1:4]
    x.detach_()
    return [v * v]


@_case
def detach_in_place_of_a_base_keeps_its_views(M, x):
    y = x * 2
    v = y[1:3]
    y.detach_()
    return [v * v, y]


@_case
def detach_then_write_makes_saved_stale(M, x):
    y = x**2
    x.detach().zero_()
    return [y]



@_case
def complex_imag_mul_then_abs(M, x):
    w = (x[:6] + 1j * x[6:12]) * (2 - 1j)
    w.imag.mul_(3.0)
    return [w.abs() ** 2]


@_case
def complex_real_view_after_base_write(M, x):
    w = (x[:6] + 1j * x[6:12]) * 1.0
    r = w.real
    w.mul_(1j)
    return [r * r]


@_case
def complex_transposed_parts_add_(M, x):
    w = (x[:6] + 1j * x[6:12]).view(2, 3) * 1.0
    w.T.real.add_(w.T.imag)
    return [w.real * w.imag]


# ---- PLAIN: f(M) -> the base after a write through a view (or a copy) ------------------------
def mk(M, shape, cplx=False):
    a = np.arange(float(np.prod(shape))).reshape(shape) + 1
    if cplx:
        a = a + 1j * (a[::-1] if a.ndim == 1 else a * 0.5)
    return M.tensor(a)


@_plain
def H_write(M):
    t = mk(M, (3, 3), True)
    v = t.H
    v[0, 1] = 9 + 2j
    return t


@_plain
def mH_write(M):
    t = mk(M, (2, 3, 3), True)
    v = t.mH
    v[0, 0, 1] = 9 + 2j
    return t


@_plain
def conj_write(M):
    t = mk(M, (4,), True)
    v = t.conj()
    v[1] = 9 + 2j
    return t


@_plain
def conj_add_(M):
    t = mk(M, (4,), True)
    v = t.conj()
    v.add_(1j)
    return t


@_plain
def real_write(M):
    t = mk(M, (4,), True)
    t.real[1:3] = 0.5
    return t


@_plain
def imag_write(M):
    t = mk(M, (2, 3), True)
    t.T.imag[0] = -4.0
    return t


@_plain
def real_T(M):
    t = mk(M, (3, 3), True)
    t.T.real.mul_(2)
    return t


@_plain
def set_real(M):
    t = mk(M, (4,), True)
    t.real = mk(M, (4,)) * 3
    t.imag = mk(M,(4,))
    return t


@_plain
def expand_1dim_write(M):
    t = mk(M, (5,))
    v = t.expand(1, 5)
    v[0, 2] = 0
    return t


@_plain
def view_write(M):
    t = mk(M, (4, 3))
    v = t.view(3, 4)
    v[1, 1] = 0
    return t


@_plain
def reshape_write(M):
    t = mk(M, (4, 3))
    v = t.reshape(2, 6)
    v[1, 1] = 0
    return t


@_plain
def plain_swapaxes_write(M):
    t = mk(M, (4, 3))
    v = t.swapaxes(0, 1)
    v[1, 2] = 0
    return t


@_plain
def plain_movedim_write(M):
    t = mk(M, (2, 3, 4))
    v = t.movedim(0, 2)
    v[1, 2, 1] = 0
    return t


@_plain
def moveaxis_write(M):
    t = mk(M, (2, 3, 4))
    v = t.moveaxis(0, 2)
    v[1, 2, 1] = 0
    return t


@_plain
def hsplit_write(M):
    t = mk(M, (4, 4, 4))
    s = t.hsplit(2)
    s[1][2, 0, 2] = -7
    return t


@_plain
def vsplit_write(M):
    t = mk(M, (4, 4, 4))
    s = t.vsplit(2)
    s[1][0, 2, 2] = -7
    return t


@_plain
def dsplit_write(M):
    t = mk(M, (4, 4, 4))
    s = t.dsplit(2)
    s[1][2, 2, 0] = -7
    return t


@_plain
def split_sizes_write(M):
    t = mk(M, (6,))
    s = t.split_with_sizes([2, 4])
    s[1][1] = -1
    return t


@_plain
def chunk_write(M):
    t = mk(M, (6, 2))
    s = t.chunk(3)
    s[2][0, 1] = -1
    return t


@_plain
def plain_unflatten_write(M):
    t = mk(M, (6, 2))
    s = t.unflatten(0, (2, 3))
    s[1, 2, 1] = -1
    return t


@_plain
def plain_flatten_view_write(M):
    t = mk(M, (2, 3, 2))
    s = t.flatten(0, 1)
    s[4, 1] = -1
    return t


@_plain
def flatten_start0(M):
    t = mk(M, (2, 3))
    s = t.flatten(0)
    s[4] = -1
    return t


@_plain
def ravel_write(M):
    t = mk(M, (2, 3))
    s = t.ravel()
    s[4] = -1
    return t


@_plain
def view_neg1(M):
    t = mk(M, (2, 3))
    s = t.view(-1)
    s[4] = -1
    return t


@_plain
def squeeze_write(M):
    t = mk(M, (2, 1, 3))
    s = t.squeeze()
    s[1, 1] = -1
    return t


@_plain
def squeeze_dim_tuple(M):
    t = mk(M, (2, 1, 3, 1))
    s = t.squeeze(dim=(1, 3))
    s[1, 1] = -1
    return t


@_plain
def unsqueeze_write(M):
    t = mk(M, (2, 3))
    s = t.unsqueeze(-1)
    s[1, 1, 0] = -1
    return t


@_plain
def detach_write(M):
    t = mk(M, (2, 3))
    s = t.detach()
    s[1, 1] = -1
    return t


@_plain
def alias_view_as(M):
    t = mk(M, (2, 3))
    s = t.view_as(t)
    s.mul_(2)
    return t


@_plain
def contiguous_self_write(M):
    t = mk(M, (2, 3))
    s = t.contiguous()
    s[0, 0] = -5
    return t


@_plain
def contiguous_nonview(M):
    t = mk(M, (2, 3))
    s = t.t().contiguous()
    s[0, 0] = -5
    return t


@_plain
def clone_write(M):
    t = mk(M, (2, 3))
    s = t.clone()
    s[0, 0] = -5
    return t


@_plain
def adv_index_write(M):
    t = mk(M, (5,))
    s = t[[0, 2]]
    s[0] = -5
    return t


@_plain
def bool_index_write(M):
    t = mk(M, (5,))
    s = t[t > 2]
    s[0] = -5
    return t


@_plain
def to_same_dtype_write(M):
    t = mk(M, (3,))
    s = t.to(t.dtype)
    s[0] = -5
    return t


@_plain
def double_write(M):
    t = mk(M, (3,))
    s = t.double()
    s[0] = -5
    return t


@_plain
def type_as_write(M):
    t = mk(M, (3,))
    s = t.type_as(t)
    s[0] = -5
    return t


@_plain
def float_of_float32(M):
    a = np.array([1.0, 2, 3], np.float32)
    t = torch.tensor(a) if M is T else ad.tensor(ad.get_backend().asarray(a))
    s = t.float()
    s[0] = -5
    return t


@_plain
def diag_write(M):
    t = mk(M, (3, 3))
    s = t.diagonal()
    s.fill_(0)
    return t


@_plain
def diag_method(M):
    t = mk(M, (3, 3))
    s = t.diag()
    s[0] = -1
    return t


@_plain
def unbind_0d_write(M):
    t = mk(M, (3,))
    s = t.unbind()
    s[1].fill_(-2)
    return t


@_plain
def select_int_index_inplace(M):
    t = mk(M, (3, 2))
    t[1].mul_(2)
    return t


@_plain
def getitem_int_add_(M):
    t = mk(M, (3,))
    t[1].add_(2)
    return t


@_plain
def narrow_copy_write(M):
    t = mk(M, (6,))
    s = t.narrow_copy(0, 1, 3)
    s[0] = -1
    return t


@_plain
def T_of_3d(M):
    t = mk(M, (2, 3, 4))
    s = t.permute(2, 1, 0)
    s[0, 0, 1] = -1
    return t


@_plain
def indexing_tensor_int(M):
    t = mk(M, (4,))
    i = torch.tensor(1) if M is T else ad.tensor(np.array(1))
    t[i].fill_(0)
    return t


@_plain
def unfold_write(M):
    t = mk(M, (6,))
    s = t.unfold(0, 3, 2)
    s[0, 1] = -1
    return t


@_plain
def expand_write_broadcast(M):
    t = mk(M, (5, 1))
    v = t.expand(5, 5)
    v[2, 2] = 0
    return t


@_plain
def int_index_elem_write(M):
    t = mk(M, (2, 3))
    t[np.int64(1), 2].fill_(-1)
    return t


@_plain
def int_tensor_index_row_write(M):
    t = mk(M, (3, 2))
    i = torch.tensor(1) if M is T else ad.tensor(np.array(1))
    t[i].mul_(-2.0)
    return t


@_plain
def reshape_viewable_noncontig(M):
    t = mk(M, (4, 6))
    v = t[:, :3].reshape(2, 2, 3)
    v[1, 0, 2] = -1
    return t


@_plain
def reshape_needs_copy(M):
    t = mk(M, (4, 6))
    v = t[:, :3].reshape(12)
    v[5] = -1
    return t


@_plain
def t_of_1d(M):
    t = mk(M, (4,))
    t.t()[1] = -1
    return t


@_plain
def diag_of_1d_t(M):
    t = mk(M, (4,))
    t.t()[2] = -1
    return t


@_plain
def diag_neg_offset_nonsquare(M):
    t = mk(M, (3, 5))
    t.diagonal(-1).fill_(0)
    t.diagonal(2).mul_(-1)
    return t


@_plain
def permute_neg(M):
    t = mk(M, (2, 3, 4))
    t.permute(-1, 0, -2)[3, 1, 2] = -1
    return t


@_plain
def movedim_tuple(M):
    t = mk(M, (2, 3, 4))
    t.movedim((0, 1), (2, 0))[1, 3, 0] = -1
    return t


@_plain
def swapaxes_neg(M):
    t = mk(M, (2, 3, 4))
    t.swapaxes(-1, 0)[3, 1, 0] = -1
    return t


@_plain
def unsqueeze_neg(M):
    t = mk(M, (2, 3))
    t.unsqueeze(-2)[1, 0, 2] = -1
    return t


@_plain
def view_0d(M):
    t = mk(M, ())
    t.view(1, 1)[0, 0] = -1
    return t


@_plain
def view_to_0d(M):
    t = mk(M, (1,))
    t.view(()).fill_(-3)
    return t


@_plain
def select_neg_nonlast(M):
    t = mk(M, (3, 4))
    t.select(0, -1)[1] = -1
    return t


@_plain
def narrow_tensor_split_tensor(M):
    t = mk(M, (3, 6))
    ps = t.tensor_split(torch.tensor([2, 4]) if M is T else ad.tensor(np.array([2, 4])), 1)
    ps[2][1, 0] = -1
    return t


@_plain
def expand_new_dim_write_len1(M):
    t = mk(M, (3,))
    t.expand(1, 1, 3)[0, 0, 2] = -1
    return t


@_plain
def view_as_of_other(M):
    t = mk(M, (6,))
    t.view_as(mk(M, (2, 3)))[1, 1] = -1
    return t


@_plain
def flatten_single_dim(M):
    t = mk(M, (2, 3))
    t.flatten(1, 1)[1, 2] = -1
    return t


@_plain
def flatten_0d(M):
    t = mk(M, ())
    t.flatten(0)[0] = -1
    return t


@_plain
def chunk_uneven(M):
    t = mk(M, (7,))
    ps = t.chunk(3)
    ps[2][0] = -1
    return t


@_plain
def split_list_dim1(M):
    t = mk(M, (2, 5))
    ps = t.split([1, 4], 1)
    ps[1][1, 3] = -1
    return t


@_plain
def ellipsis_view(M):
    t = mk(M, (2, 3, 4))
    t[..., 1][1, 2] = -1
    t[1, ...][0, 0] = -2
    return t


@_plain
def newaxis_view(M):
    t = mk(M, (3,))
    t[None][0, 1] = -1
    t[:, None][2, 0] = -2
    return t


@_plain
def neg_index_slice(M):
    t = mk(M, (5,))
    t[-3:-1][1] = -1
    return t


@_plain
def step_view_of_step(M):
    t = mk(M, (12,))
    t[1::2][::3][1] = -1
    return t


@_plain
def mT_of_3d(M):
    t = mk(M, (2, 2, 3))
    t.mT[1, 2, 0] = -1
    return t



@_plain
def real_conj_mul_(M):
    t = mk(M, (3,))
    t.conj().mul_(2.0)
    return t


# ---- the expected differences ----------------------------------------------------------------
# torch refuses these writes (a saved view overwritten by a function of itself; a piece of a
# multi-output view; a source overlapping the target, which torch's program reads from a
# clone, ``ref=True``, as NumPy does; ``out=`` while recording); gpuad keeps what the steps
# saved and differentiates exactly
TORCH_REFUSES = {"view_as_write", "narrow_write", "unbind_write", "unbind_dim1_write",
                 "step_slice_2d", "double_write_same_view", "ta_multi_output_safe_split",
                 "ta_multi_output_view_of_unbind", "ta_multi_output_chunk",
                 "overlap_copy_", "overlap_iadd", "out_into_a_view"}
# torch leaves x.grad None (x.detach_() after a view of it was taken, the view still
# requiring grad); gpuad sends the view's gradient to x, checked as TORCH_REFUSES is
TORCH_DROPS_GRAD = {"detach_in_place_of_a_leaf_keeps_its_views"}
# an unrecorded write (detach(), no_grad) into a recorded history: torch's gradient ignores it,
# gpuad raises
GPUAD_STRICTER = {"detach_write_visible_in_base", "nograd_write_through_view"}
# gpuad's result is a copy where torch's is a view: the write raises (the message says why)
COPY_REFUSES = {
    "H_write": "Tensor.H", "mH_write": "Tensor.mH", "unfold_write": "unfold",
    "getitem_int_add_": "copy of one element", "indexing_tensor_int": "0-d integer",
    "int_index_elem_write": "copy of one element", "int_tensor_index_row_write": "0-d integer",
    "expand_write_broadcast": "read-only|broadcast_to/expand view", "conj_add_": "z.conj\\(\\)",
    "real_conj_mul_": "z.conj\\(\\)",
}
# NumPy's meaning kept (docs/porting.md, the silent traps): conj() is a copy that NumPy's
# writes may change (torch's in-place methods on it raise: COPY_REFUSES)
NUMPY_MEANING = {"conj_write"}


def _np_of(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.array(to_numpy(t))


def _run_grad(M, f, x_np=X, grad=True, **kw):
    x = M.tensor(x_np, grad)
    outs = f(M, x, **kw)
    vals = [_np_of(o) for o in outs]
    if not grad:
        return vals, None
    rng = np.random.default_rng(0)
    ws = [rng.standard_normal(v.shape) for v in vals]
    loss = M.tensor(0.0)
    for o, w in zip(outs, ws, strict=True):
        loss = loss + (o * M.tensor(w)).sum()
    if loss.requires_grad:
        loss.backward()
    return vals, None if x.grad is None else _np_of(x.grad)


def _ref_kw(f):
    return {"ref": True} if "ref" in f.__code__.co_varnames else {}


def _torch_loss_no_grad(f, x_np):
    with torch.no_grad():
        vals, _ = _run_grad(T, f, x_np, grad=False, **_ref_kw(f))
    rng = np.random.default_rng(0)
    return sum(float((v * rng.standard_normal(v.shape)).sum()) for v in vals)


@pytest.mark.parametrize("name", sorted(GRAD))
def test_view_programs_match_torch(backend, name):
    f = GRAD[name]
    if name in GPUAD_STRICTER:
        _run_grad(T, f)  # torch runs it (its gradient ignores the unrecorded write)
        with pytest.raises(ad.GradError, match="modified in place through another view"):
            _run_grad(G, f)
        return
    if name in TORCH_REFUSES or name in TORCH_DROPS_GRAD:
        if name in TORCH_REFUSES:
            with pytest.raises(RuntimeError):
                _run_grad(T, f)
        else:
            assert _run_grad(T, f)[1] is None
        with torch.no_grad():
            tv, _ = _run_grad(T, f, grad=False, **_ref_kw(f))
        gv, gg = _run_grad(G, f)
        h = 1e-6
        fd = np.array([(_torch_loss_no_grad(f, X + h * e) - _torch_loss_no_grad(f, X - h * e))
                       / (2 * h) for e in np.eye(X.size)])
        for a, b in zip(tv, gv, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(gg, fd, rtol=1e-6, atol=1e-7)
        return
    try:
        tv, tg = _run_grad(T, f)
    except RuntimeError as e:
        with pytest.raises(Exception) as info:  # noqa: PT011 (the message is checked below)
            _run_grad(G, f)
        assert isinstance(info.value, ad.GradError | RuntimeError | ValueError), info.value
        words = ("in-place", "modified in place", "invalid", "broadcast", "reshape", "detach")
        assert any(w in str(info.value) for w in words), (str(e), str(info.value))
        return
    gv, gg = _run_grad(G, f)
    assert len(tv) == len(gv)
    for a, b in zip(tv, gv, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    assert (tg is None) == (gg is None)
    if tg is not None:
        np.testing.assert_allclose(gg, tg, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_writes_through_views_reach_the_base_as_in_torch(backend, name):
    f = PLAIN[name]
    want = _np_of(f(T))
    if name == "expand_write_broadcast" and ad.get_backend().name != "numpy":
        # CuPy's broadcast arrays are writable views: an unrecorded write lands as torch's
        np.testing.assert_array_equal(_np_of(f(G)), want)
        return
    if name in COPY_REFUSES:
        with pytest.raises((RuntimeError, ValueError), match=COPY_REFUSES[name]):
            f(G)
        return
    got = _np_of(f(G))
    if name in NUMPY_MEANING:
        base = _np_of(mk(G, got.shape, True))
        np.testing.assert_array_equal(got, base)  # the copy was written, the base untouched
        assert not np.allclose(want, base)
        return
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=0)


def test_versions_count_as_torch(backend):
    seqs = {}
    for M in (T, G):
        x = M.tensor(X[:12], True)
        y = x * 1.0
        v = y.view(3, 4)
        w = v.t()
        seq = [y._version]
        v[0, 0] = 1.0
        seq.append((y._version, v._version, w._version))
        w.add_(1.0)
        seq.append((y._version, v._version, w._version))
        y += 1
        seq.append((y._version, v._version, w._version))
        seq.append((y._version, y.detach()._version, y.clone()._version))
        y.view(12)[0:2].sub_(1.0)
        y.real.mul_(1.0)
        seq.append((y._version, w._version))
        seqs[M.name] = seq
    assert seqs["gpuad"] == seqs["torch"]


# ---- calls torch refuses: gpuad raises too (never a silent result) -----------------------------
ERRORS = {
 "view_numel": lambda M: mk(M, (2, 3)).view(4, 2),
 "view_two_neg1": lambda M: mk(M, (2, 3)).view(-1, -1),
 "narrow_oob": lambda M: mk(M, (2, 3)).narrow(1, 2, 2),
 "narrow_neg_len": lambda M: mk(M, (2, 3)).narrow(1, 0, -1),
 "select_oob": lambda M: mk(M, (2, 3)).select(1, 3),
 "select_dim_oob": lambda M: mk(M, (2, 3)).select(2, 0),
 "unflatten_bad": lambda M: mk(M, (2, 6)).unflatten(1, (4, 2)),
 "expand_bad": lambda M: mk(M, (2, 3)).expand(3, 3),
 "expand_fewer": lambda M: mk(M, (2, 3)).expand(3),
 "permute_dup": lambda M: mk(M, (2, 3)).permute(0, 0),
 "permute_short": lambda M: mk(M, (2, 3, 4)).permute(0, 1),
 "movedim_dup": lambda M: mk(M, (2, 3, 4)).movedim((0, 1), (2, 2)),
 "diagonal_same": lambda M: mk(M, (2, 3)).diagonal(0, 1, 1),
 "split_zero": lambda M: mk(M, (6,)).split(0),
 "chunk_zero": lambda M: mk(M, (6,)).chunk(0),
 "transpose_oob": lambda M: mk(M, (2, 3, 4)).transpose(0, 3),
 "squeeze_oob": lambda M: mk(M, (2, 1)).squeeze(dim=2),
 "unsqueeze_oob": lambda M: mk(M, (2, 3)).unsqueeze(3),
 "unbind_0d": lambda M: mk(M, ()).unbind(),
 "view_as_bad": lambda M: mk(M, (2, 3)).view_as(mk(M, (4,))),
 "mT_1d": lambda M: mk(M, (3,)).mT,
 "t_3d": lambda M: mk(M, (2, 2, 2)).t(),
 "unfold_big": lambda M: mk(M, (4,)).unfold(0, 5, 1),
 "unfold_step0": lambda M: mk(M, (4,)).unfold(0, 2, 0),
 "tensor_split_0": lambda M: mk(M, (4,)).tensor_split(0),
 "split_sizes_bad": lambda M: mk(M, (4,)).split([1, 2]),
 "flatten_bad": lambda M: mk(M, (2, 3, 4)).flatten(2, 1),
 "H_3d": lambda M: mk(M, (2, 2, 2)).H,
 "reshape_bad": lambda M: mk(M, (2, 3)).reshape(4, -1),
 "squeeze_tuple_oob": lambda M: mk(M, (2, 1)).squeeze(dim=(1, 5)),
 "expand_neg1_new": lambda M: mk(M, (3,)).expand(-1, 3),
 "narrow_dim_oob": lambda M: mk(M, (3,)).narrow(1, 0, 1),
 "swapaxes_oob": lambda M: mk(M, (3, 2)).swapaxes(0, 2),
 "diag_3d": lambda M: mk(M, (2, 2, 2)).diag(),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_view_op_errors_as_torch(backend, name):
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)):
        ERRORS[name](T)
    with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)):
        ERRORS[name](G)


def test_view_as_another_dtype_raises(backend):
    mk(T, (2, 4)).view(torch.float32)  # torch reinterprets the bytes; gpuad refuses
    with pytest.raises(TypeError, match="reinterpreting"):
        mk(G, (2, 4)).view(np.float32)


# ---- results torch aliases or copies: an in-place method on them reaches the tensor or not ----
ALIASES = {
 "positive": lambda t: t.positive(),
 "expand_as_self": lambda t: t.expand_as(t),
 "expand_same": lambda t: t.expand(2, 3),
 "expand_neg1": lambda t: t.expand(-1, -1),
 "broadcast_to_same": lambda t: t.broadcast_to((2, 3)),
 "reshape_same": lambda t: t.reshape(2, 3),
 "squeeze_noop": lambda t: t.squeeze(dim=0),
 "flatten_start_end_same": lambda t: t.flatten(1, 1),
 "resolve_conj": lambda t: t.resolve_conj(),
 "resolve_neg": lambda t: t.resolve_neg(),
 "requires_grad_": lambda t: t.requires_grad_(False),
 "to_same": lambda t: t.to(torch.float64 if isinstance(t, torch.Tensor) else np.float64),
 "cpu": lambda t: t.cpu(),
 "contiguous": lambda t: t.contiguous(),
 "view_as_self": lambda t: t.view_as(t),
 "movedim_same": lambda t: t.movedim(0, 0),
 "permute_id": lambda t: t.permute(0, 1),
 "narrow_all": lambda t: t.narrow(0, 0, 2),
 "split_whole": lambda t: t.split(2)[0],
 "chunk_1": lambda t: t.chunk(1)[0],
 "tensor_split_1": lambda t: t.tensor_split(1)[0],
 "unflatten_same": lambda t: t.unflatten(1, (3,)),
 "diagonal_of_expanded": lambda t: t.unsqueeze(0).diagonal(0, 0, 1),
 "sum_to_size_same": lambda t: t.sum_to_size(2, 3),
 "ravel": lambda t: t.ravel(),
 "view_neg": lambda t: t.view(-1, 3),
 "squeeze_all_noop": lambda t: t.squeeze(),
 "T_T": lambda t: t.T.T,
 "real": lambda t: t.real,
 "abs_of_pos": lambda t: t.abs(),
 "type_as": lambda t: t.type_as(t),
 "swapaxes_same": lambda t: t.swapaxes(1, 1),
 "transpose_same": lambda t: t.transpose(1, 1),
 "hsplit": lambda t: t.hsplit(3)[1],
 "vsplit": lambda t: t.vsplit(2)[1],
 "unsafe_split": lambda t: t.unsafe_split(1)[1],
 "unsafe_chunk": lambda t: t.unsafe_chunk(2)[1],
 "split_with_sizes": lambda t: t.split_with_sizes([1, 1])[1],
 "fliplr_copy": lambda t: t.fliplr(),
 "atleast_2d": lambda t: torch.atleast_2d(t) if isinstance(t, torch.Tensor) else gnp.atleast_2d(t),
 "rot90_copy": lambda t: t.rot90(),
 "flipud_copy": lambda t: t.flipud(),
}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_aliases_and_copies_as_torch(backend, name):
    if name == "cpu" and ad.get_backend().name != "numpy":
        pytest.skip("cpu() of a CuPy tensor raises (gpuad does not move tensors)")
    got = {}
    for M in (T, G):
        t = mk(M, (2, 3))
        ALIASES[name](t).add_(100.0)
        got[M.name] = _np_of(t)
    np.testing.assert_array_equal(got["gpuad"], got["torch"])


def test_second_order_through_an_inplace_threshold_on_a_view(backend):
    """test_autograd's test_inplace_on_view_backward: the gradient of a gradient through
    ``threshold(..., inplace=True)`` of a ``view_as``."""
    import gpuad.nn.functional as gF

    a = np.linspace(-1.2, 1.3, 12).reshape(1, 3, 2, 2)
    x = torch.tensor(a, requires_grad=True)
    p = torch.nn.functional.threshold((x * 1.5 + 0.1).view_as(x), 0.0, 0.0, True).sigmoid()
    (g,) = torch.autograd.grad(p, x, torch.ones_like(p), create_graph=True)
    (g * g).sum().backward()
    y = G.tensor(a, True)
    q = gF.threshold((y * 1.5 + 0.1).view_as(y), 0.0, 0.0, True).sigmoid()
    (h,) = ad.autograd.grad(q, y, gnp.ones_like(q), create_graph=True)
    (h * h).sum().backward()
    np.testing.assert_allclose(_np_of(h), _np_of(g), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_np_of(y.grad), _np_of(x.grad), rtol=1e-10, atol=1e-14)


# ---- edge cases of the splitting and reshaping view ops: the same pieces as torch's ----------
EDGES = {
 "ts_beyond": lambda t: t.tensor_split([1, 10], 1),
 "ts_decreasing": lambda t: t.tensor_split([4, 2], 1),
 "ts_neg": lambda t: t.tensor_split([-2], 1),
 "ts_many": lambda t: t.tensor_split(7, 1),
 "chunk_many": lambda t: t.chunk(8, 1),
 "chunk_5of6": lambda t: t.chunk(5, 1),
 "split_big": lambda t: t.split(10, 1),
 "split_zero_piece": lambda t: t.split([0, 6], 1),
 "narrow_len0": lambda t: (t.narrow(1, 6, 0),),
 "narrow_neg": lambda t: (t.narrow(-1, -3, 2),),
 "unbind_neg": lambda t: t.unbind(-1),
 "diag_big_off": lambda t: (t.diagonal(7),),
 "diag_neg_big": lambda t: (t.diagonal(-3),),
 "unfold_full": lambda t: (t.unfold(1, 6, 1),),
 "unfold_step_big": lambda t: (t.unfold(1, 2, 5),),
 "movedim_lists": lambda t: (t.unsqueeze(0).movedim([0, 2], [2, 0]),),
 "flatten_neg": lambda t: (t.unsqueeze(0).flatten(-2, -1),),
 "unflatten_neg_dim": lambda t: (t.unflatten(-1, (2, -1)),),
 "squeeze_multi": lambda t: (t[:, None, :, None].squeeze(dim=(1, -1)),),
 "expand_lead": lambda t: (t.expand(2, -1, -1),),
 "select_neg_dim": lambda t: (t.select(-1, -2),),
 "hsplit_list": lambda t: t.hsplit([1, 3]),
 "vsplit_list": lambda t: t.vsplit([1]),
 "mT_2d": lambda t: (t.mT,),
 "diag_embed_like": lambda t: (t.diagonal(0, -1, -2),),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_view_op_edge_cases_as_torch(backend, name):
    want = [_np_of(p) for p in EDGES[name](mk(T, (2, 6)))]
    got = [_np_of(p) for p in EDGES[name](mk(G, (2, 6)))]
    assert [g.shape for g in got] == [w.shape for w in want]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
