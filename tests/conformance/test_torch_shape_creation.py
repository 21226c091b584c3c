"""PyTorch's test/test_shape_ops.py and test/test_tensor_creation_ops.py on gpuad's torch-style
API, compared with torch on the same inputs.

``CASES`` holds programs written once for torch and once for gpuad (the Tensor method where
gpuad has torch's, else the spelling docs/porting.md gives): flip, fliplr, flipud, roll,
rot90 (negative and large ``k``, every pair of dims), diagonal, diag_embed, diagflat, diag
(offsets past the shape, negative dims), movedim/moveaxis/permute, the clamp family (NaN
and crossed bounds, ties, tensor bounds, in-place forms), nonzero/argwhere, narrow and
narrow_copy, unfold, squeeze with dim tuples, tril/triu (offsets past the shape, in place),
repeat_interleave (tensor repeats, ``output_size``), tile, block_diag, cartesian_prod,
combinations, meshgrid, the stack/cat family (mixed dtypes, empty tensors), split,
tensor_split, chunk, hsplit/vsplit/dsplit, complex/polar/view_as_real, and in-place writes
through views. Each must give torch's values, dtypes and shapes, and for float inputs the
gradient of ``sum(out * c)`` (random ``c``) torch's gradient, in torch's dtype; in float64 the
gradient is also checked against central differences along a random direction, and forward
mode (``gpuad.jvp``) against the same differences. Where torch raises, gpuad must raise an
error of a clear kind.

``DIFFERS`` lists the cases where gpuad deliberately differs, with the reason, and what is
checked instead; ``test_factories_match_torch`` compares the creation functions (gpuad's take
NumPy's arguments: docs/porting.md) where both define the result, and
``FACTORY_DIFFERS`` lists where they do not. The file runs in under a minute on two cores.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

torch = pytest.importorskip("torch")
gsl = pytest.importorskip("gpuad.scipy.linalg")

T2N = {torch.float64: np.float64, torch.float32: np.float32, torch.float16: np.float16,
       torch.int64: np.int64, torch.int32: np.int32, torch.int16: np.int16,
       torch.int8: np.int8, torch.uint8: np.uint8, torch.bool: np.bool_,
       torch.complex128: np.complex128, torch.complex64: np.complex64}
# errors that name nothing: gpuad raising one of these where torch raises is a failure too
UNCLEAR = (ZeroDivisionError, KeyError, AttributeError, UnboundLocalError, NameError,
           AssertionError, RecursionError)

RNG = np.random.default_rng(20240611)


def R(*shape, dt=np.float64):
    """A random array of ``shape``: normal floats, or integers in [-9, 9]."""
    a = RNG.standard_normal(shape)
    if np.dtype(dt).kind == "c":
        return np.asarray((a + 1j * RNG.standard_normal(shape)).astype(dt))
    if np.dtype(dt).kind == "b":
        return np.asarray(a > 0)
    return np.asarray(np.asarray(a if np.dtype(dt).kind == "f" else np.round(a * 4)).astype(dt))


CASES: dict = {}


def case(name, t, g, *args):
    assert name not in CASES, name
    CASES[name] = (t, g, args)


def same(name, f, *args):
    """A case whose program is the same for torch and gpuad (Tensor methods)."""
    case(name, f, f, *args)


# ---- flip, fliplr, flipud, roll, rot90 ---------------------------------------------------
X3, X2, X4 = R(2, 3, 4), R(3, 5), R(2, 3, 4, 5)
for dims in [0, (0,), (0, 1), (0, 1, 2), (-1,), (), (2, 0), (-3, -1), [1, -1]]:
    same(f"flip{dims}", lambda x, d=dims: x.flip(d), X3)
same("flip_varargs", lambda x: x.flip(0, 2), X3)
same("flip_dims_kw", lambda x: x.flip(dims=(1,)), X3)
same("flip_dup", lambda x: x.flip(0, 0), X3)
same("flip_out_of_range", lambda x: x.flip(3), X3)
same("flip_empty", lambda x: x.flip(1), R(3, 0, 2))
same("flip_0d", lambda x: x.flip(0), R())
same("flip_int", lambda x: x.flip(1), R(3, 4, dt=np.int64))
same("flip_bool", lambda x: x.flip(0, 1), R(3, 4, dt=np.bool_))
same("flip_complex", lambda x: x.flip(-1), R(2, 3, dt=np.complex128))
same("flip_transposed", lambda x: x.transpose(0, 1).flip(0, 1, 2), X3)
same("flip_expanded", lambda x: x.expand(3, 2).flip(0), R(3, 1))
same("flip_strided", lambda x: x[..., ::2].flip(-1), X4)
same("fliplr", lambda x: x.fliplr(), X3)
same("flipud", lambda x: x.flipud(), X3)
same("fliplr_1d", lambda x: x.fliplr(), R(4))
same("flipud_0d", lambda x: x.flipud(), R())
case("torch.fliplr", torch.fliplr, gnp.fliplr, X2)
case("torch.flipud_complex", torch.flipud, gnp.flipud, R(3, 2, dt=np.complex128))
for sh, d in [(1, 0), (-1, 0), (5, 1), (-7, 2), ((1, 2), (0, 1)), ((1, -2), (-1, 0)), (3, None),
              (-25, None), ((1, 1), (0, 0)), ((1, 2), (0, -3)), (0, 1), ((5,), None)]:
    same(f"roll{sh},{d}", lambda x, s=sh, d=d: x.roll(s, d), X3)
same("roll_kw", lambda x: x.roll(shifts=2, dims=1), X3)
same("roll_shifts_dims_mismatch", lambda x: x.roll((1, 2), 0), X3)
same("roll_shift_per_two_dims", lambda x: x.roll(1, (0, 1)), X3)
same("roll_two_shifts_no_dims", lambda x: x.roll((1, 2)), X3)
same("roll_dim_out_of_range", lambda x: x.roll(1, 3), X3)
same("roll_empty", lambda x: x.roll(2, 1), R(3, 0))
same("roll_0d", lambda x: x.roll(2), R())
same("roll_0d_dim", lambda x: x.roll(2, 0), R())
same("roll_of_permute", lambda x: x.permute(2, 0, 1).roll((-1, 2), (0, 2)), X3)
for k in [-6, -5, -3, -2, -1, 0, 1, 2, 3, 4, 5, 7]:
    for dims in [(0, 1), (1, 0), (1, 2), (2, 0), (-1, 0), (0, -1)]:
        same(f"rot90_k{k}_{dims}", lambda x, k=k, d=dims: x.rot90(k, d), X3)
same("rot90_default", lambda x: x.rot90(), X3)
same("rot90_kw", lambda x: x.rot90(k=3, dims=[2, 1]), X3)
same("rot90_dim_out_of_range", lambda x: x.rot90(1, [0, 3]), X3)
same("rot90_dim_below_range", lambda x: x.rot90(1, [0, -3]), X2)
same("rot90_same_dims", lambda x: x.rot90(1, [1, 1]), X3)
same("rot90_three_dims", lambda x: x.rot90(1, [0, 1, 2]), X3)
same("rot90_one_dim", lambda x: x.rot90(1, [0]), X3)
same("rot90_1d", lambda x: x.rot90(1), R(3))
same("rot90_complex", lambda x: x.rot90(-1, (0, 1)), R(3, 4, dt=np.complex128))
same("rot90_expanded", lambda x: x.expand(3, 4).rot90(1), R(1, 4))
same("rot90_int", lambda x: x.rot90(3, (1, 0)), R(3, 4, dt=np.int64))
case("torch.rot90", lambda x: torch.rot90(x, 1, [0, 2]), lambda x: gnp.rot90(x, 1, (0, 2)), X3)

# six dims
X6 = R(2, 1, 3, 2, 2, 3)
same("flip_6d", lambda x: x.flip(0, 2, 3, 5), X6)
same("flip_6d_all", lambda x: x.flip(tuple(range(6))), X6)
same("roll_6d", lambda x: x.roll((1, -4, 7, 2), (0, 2, -1, 3)), X6)
for k in (-7, -1, 2, 3):
    same(f"rot90_6d_k{k}", lambda x, k=k: x.rot90(k, (5, 2)), X6)
same("fliplr_6d", lambda x: x.fliplr(), X6)
same("movedim_6d", lambda x: x.movedim((0, 5, 2), (4, 0, 1)), X6)
case("diagonal_6d", lambda x: x.diagonal(-1, 5, 2), lambda x: x.diagonal(-1, dim1=5, dim2=2), X6)
same("diag_embed_6d", lambda x: x.diag_embed(2, 6, 1), X6)
same("tril_6d", lambda x: x.tril(-1), X6)
same("unfold_6d", lambda x: x.unfold(5, 2, 1), X6)
same("squeeze_6d", lambda x: x.squeeze(dim=(1, 3)), X6)
same("permute_6d", lambda x: x.permute(5, 4, 3, 2, 1, 0), X6)

# ---- diagonal, diag_embed, diagflat, diag ------------------------------------------------
for off in [-6, -3, -1, 0, 1, 2, 4, 7]:
    for d1, d2 in [(0, 1), (1, 0), (-1, -2), (0, 2), (2, 0), (1, -1)]:
        case(f"diagonal_{off}_{d1},{d2}", lambda x, o=off, a=d1, b=d2: x.diagonal(o, a, b),
             lambda x, o=off, a=d1, b=d2: x.diagonal(o, dim1=a, dim2=b), X4)
same("diagonal_same_dims", lambda x: x.diagonal(0, dim1=1, dim2=1), X3)
same("diagonal_kw", lambda x: x.diagonal(offset=1, dim1=-1, dim2=0), X3)
same("diagonal_complex", lambda x: x.diagonal(-1), R(3, 4, dt=np.complex128))
case("torch.diagonal", lambda x: torch.diagonal(x, 1, -2, -1),
     lambda x: gnp.diagonal(x, 1, -2, -1), X3)
for off in [-3, -1, 0, 1, 2]:
    for d1, d2 in [(0, 1), (1, 0), (-2, -1), (0, 2), (-1, 0), (2, 1)]:
        same(f"diag_embed_{off}_{d1},{d2}", lambda x, o=off, a=d1, b=d2: x.diag_embed(o, a, b),
             X2)
same("diag_embed_1d", lambda x: x.diag_embed(), R(4))
same("diag_embed_kw", lambda x: x.diag_embed(offset=-1, dim1=0, dim2=2), X2)
same("diag_embed_same_dims", lambda x: x.diag_embed(0, 1, 1), X2)
same("diag_embed_dim_out_of_range", lambda x: x.diag_embed(0, 0, 3), X2)
same("diag_embed_int", lambda x: x.diag_embed(1), R(3, dt=np.int64))
same("diag_embed_complex", lambda x: x.diag_embed(-1), R(2, 3, dt=np.complex128))
same("diagonal_of_diag_embed", lambda x: x.diag_embed(1, 0, 2).diagonal(1, 0, 2), R(3, 4))
for off in [-4, -1, 0, 2, 5]:
    same(f"diagflat_{off}_1d", lambda x, o=off: x.diagflat(o), R(3))
    same(f"diagflat_{off}_2d", lambda x, o=off: x.diagflat(o), X2)
    same(f"diagflat_{off}_0d", lambda x, o=off: x.diagflat(o), R())
    same(f"diag_{off}_1d", lambda x, o=off: x.diag(o), R(3))
    same(f"diag_{off}_2d", lambda x, o=off: x.diag(o), X2)
    case(f"torch.diag_{off}", lambda x, o=off: torch.diag(x, o), lambda x, o=off: gnp.diag(x, o),
         X2)
same("diag_3d", lambda x: x.diag(), X3)
same("diag_0d", lambda x: x.diag(), R())
same("diag_bool", lambda x: x.diag(1), R(3, 4, dt=np.bool_))
same("diag_of_transposed", lambda x: x.t().diag(-1), X2)
same("diagflat_empty", lambda x: x.diagflat(1), R(0))
same("diagflat_of_transposed", lambda x: x.t().diagflat(1), R(2, 3))

# ---- movedim, moveaxis, permute ----------------------------------------------------------
for s, d in [(0, -1), (-1, 0), ((0, 1), (2, 3)), ((0, 1), (-1, -2)), ((), ()),
             ((3, 0, 1), (0, 1, 2)), (1, 1), ([0], [3]), ((0, 1, 2, 3), (3, 2, 1, 0))]:
    same(f"movedim{s}->{d}", lambda x, s=s, d=d: x.movedim(s, d), X4)
    case(f"moveaxis{s}->{d}", lambda x, s=s, d=d: torch.moveaxis(x, s, d),
         lambda x, s=s, d=d: x.moveaxis(s, d), X4)
same("movedim_kw", lambda x: x.movedim(source=1, destination=0), X4)
same("movedim_out_of_range", lambda x: x.movedim(5, 0), X4)
same("movedim_mismatch", lambda x: x.movedim((1, 0), (0,)), X4)
same("movedim_repeated_source", lambda x: x.movedim((0, 0), (0, 1)), X4)
same("movedim_repeated_destination", lambda x: x.movedim((0, 1), (1, 1)), X4)
same("movedim_0d", lambda x: x.movedim(0, 0), R())
same("movedim_0d_neg", lambda x: x.movedim(-1, 0), R())
for p in [(0, 1, 2), (2, 0, 1), (-1, 0, 1), (1, -1, 0)]:
    same(f"permute{p}", lambda x, p=p: x.permute(*p), X3)
    same(f"permute_tuple{p}", lambda x, p=p: x.permute(p), X3)
    case(f"permute_dims_kw{p}", lambda x, p=p: torch.permute(x, p),
         lambda x, p=p: x.permute(dims=p),
         X3)
same("permute_dup", lambda x: x.permute(0, 0, 1), X3)
same("permute_too_few", lambda x: x.permute(0, 1), X3)
same("permute_out_of_range", lambda x: x.permute(0, 1, 3), X3)
same("permute_0d", lambda x: x.permute(()), R())
same("transpose_out_of_range", lambda x: x.transpose(0, 3), X3)
same("transpose_negative", lambda x: x.transpose(-1, 0), X3)
for i, dims in enumerate([([1], [2]), ([-1], [-2]), ([1], [0]), ([0, 1], [1, 0]), ([-3], [0]),
                          1, 0, 2]):
    # torch.tensordot(a, b, dims) is gnp.tensordot(a, b, axes) (docs/porting.md)
    case(f"tensordot{i}", lambda a, b, d=dims: torch.tensordot(a, b, dims=d),
         lambda a, b, d=dims: gnp.tensordot(a, b, axes=d), R(2, 3), R(3, 2))

# ---- clamp, clip and their in-place forms ------------------------------------------------
XC = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, np.nan, np.inf, -np.inf])
for lo, hi in [(-1, 1), (None, 0.5), (-0.5, None), (1, -1), (0.5, 0.5), (np.nan, None),
               (None, np.nan), (-1.0, 1.0)]:
    same(f"clamp{lo},{hi}", lambda x, lo=lo, hi=hi: x.clamp(lo, hi), XC)
    same(f"clamp_kw{lo},{hi}", lambda x, lo=lo, hi=hi: x.clamp(min=lo, max=hi), XC)
    case(f"clip{lo},{hi}", lambda x, lo=lo, hi=hi: torch.clip(x, lo, hi),
         lambda x, lo=lo, hi=hi: x.clip(lo, hi), XC)
    same(f"clamp_{lo},{hi}", lambda x, lo=lo, hi=hi: (x * 1).clamp_(lo, hi), XC)
    same(f"clip_{lo},{hi}", lambda x, lo=lo, hi=hi: (x * 1).clip_(lo, hi), XC)
    if (lo is None or float(lo).is_integer()) and (hi is None or float(hi).is_integer()):
        same(f"clamp_int{lo},{hi}", lambda x, lo=lo, hi=hi: x.clamp(lo, hi), np.arange(-3, 4))
same("clamp_no_bounds", lambda x: x.clamp(), XC)
same("clamp__no_bounds", lambda x: (x * 1).clamp_(), XC)
XT = np.array([-1.0, 0.0, 1.0, 2.0])
same("clamp_ties", lambda x: x.clamp(-1, 1), XT)
same("clamp_tensor_bounds", lambda x, a, b: x.clamp(a, b), R(3, 4), R(4) - 1, R(3, 1) + 1)
same("clamp_tensor_bounds_ties", lambda x, a, b: x.clamp(a, b), XT, np.array([-1.0, 0, 0, 0]),
     np.array([1.0, 1, 1, 2]))
same("clamp_tensor_bounds_crossed", lambda x, a, b: x.clamp(a, b), XT, np.ones(4), np.zeros(4))
same("clamp_tensor_min", lambda x, a: x.clamp(min=a), XT, np.array([0.0, 0, 1, 3]))
same("clamp_0d_bound", lambda x, a: x.clamp(min=a), R(2, 3), np.array(0.1))
same("clamp_bound_broadcasts_x", lambda x, a: x.clamp(min=a), R(3), R(2, 3))
same("clamp__bound_broadcasts_x", lambda x, a: (x * 1).clamp_(min=a), R(3), R(2, 3))
same("clamp_min", lambda x: x.clamp_min(0.3), XC)
same("clamp_max", lambda x: x.clamp_max(0.3), XC)
same("clamp_min_tensor", lambda x, a: x.clamp_min(a), XT, np.array([0.0, 0, 1, 3]))
same("clamp_min_", lambda x: (x * 1).clamp_min_(0.3), XC)
same("clamp_max_", lambda x: (x * 1).clamp_max_(0.3), XC)
same("clamp_f32_by_f64_tensor", lambda x, a: x.clamp(a), R(4, dt=np.float32), R(4))
same("clamp_f32_scalar", lambda x: x.clamp(-0.1, 0.1), R(4, dt=np.float32))
same("clamp_f32_", lambda x: (x * 1).clamp_(-0.1, 0.1), R(4, dt=np.float32))
same("clamp__int_by_float", lambda x: (x * 1).clamp_(0.5, 2.5), np.arange(4))
same("clamp_complex", lambda x: x.clamp(0, 1), R(3, dt=np.complex128))
case("torch.clamp", lambda x: torch.clamp(x, -0.5, 0.5), lambda x: gnp.clip(x, -0.5, 0.5), XC)

# ---- nonzero, argwhere, count_nonzero ----------------------------------------------------
NZ = [np.array([0, 1, 1, 0, 2, 0, 0, 3, 1, 0, 0, 1]), R(3, 4, dt=np.bool_),
      R(2, 3, 2) * (R(2, 3, 2) > 0), np.zeros((2, 0, 3)), np.array(0.0), np.array(3.0),
      np.array([np.nan, 0, -0.0, 1]), np.array([[0, 1], [1, 0]]).T]
for i, a in enumerate(NZ):
    case(f"nonzero{i}", lambda x: x.nonzero(), lambda x: x.nonzero(as_tuple=False), a)
    same(f"nonzero_as_tuple{i}", lambda x: x.nonzero(as_tuple=True), a)
    same(f"argwhere{i}", lambda x: x.argwhere(), a)
    case(f"torch.nonzero{i}", torch.nonzero, gnp.argwhere, a)
    same(f"count_nonzero{i}", lambda x: x.count_nonzero(), a)
case("nonzero_of_a_float_requiring_grad", lambda x: x.nonzero(),
     lambda x: x.nonzero(as_tuple=False), R(5))

# ---- narrow, narrow_copy, unfold, squeeze ------------------------------------------------
for d, s, n in [(0, 0, 1), (1, 1, 2), (-1, -2, 2), (2, 0, 4), (2, 4, 0), (1, -3, 3), (1, 3, 1),
                (1, -4, 1), (1, 2, 2), (2, 5, 0), (0, 2, 0), (2, -1, 2), (0, 0, -1), (3, 0, 1)]:
    same(f"narrow{d},{s},{n}", lambda x, d=d, s=s, n=n: x.narrow(d, s, n), X3)
    same(f"narrow_copy{d},{s},{n}", lambda x, d=d, s=s, n=n: x.narrow_copy(d, s, n), X3)
case("narrow_tensor_start", lambda x: x.narrow(1, torch.tensor(1), 2),
     lambda x: x.narrow(1, ad.tensor(np.array(1)), 2), X3)
same("narrow_0d", lambda x: x.narrow(0, 0, 1), R())
for d, size, step in [(0, 1, 1), (1, 2, 1), (2, 2, 2), (2, 3, 1), (-1, 4, 3), (2, 1, 5),
                      (1, 3, 3), (2, 0, 1), (2, 5, 1), (1, 2, 3)]:
    same(f"unfold{d},{size},{step}", lambda x, d=d, a=size, b=step: x.unfold(d, a, b), X3)
same("unfold_0d_size1", lambda x: x.unfold(0, 1, 1), R())
same("unfold_0d_size0", lambda x: x.unfold(0, 0, 2), R())
same("unfold_empty", lambda x: x.unfold(2, 3, 2), np.zeros((0, 1, 3, 0)))
same("unfold_bool_empty", lambda x: x.unfold(2, 3, 2), np.zeros((0, 1, 3, 0), bool))
same("unfold_negative_size", lambda x: x.unfold(0, -1, 1), R(7))
same("unfold_negative_step", lambda x: x.unfold(0, 1, -1), R(7))
same("unfold_zero_step", lambda x: x.unfold(0, 1, 0), R(7))
same("unfold_twice", lambda x: x.unfold(0, 3, 1).unfold(1, 2, 1), R(7))
same("unfold_of_transposed", lambda x: x.t().unfold(0, 2, 1), X2)
XS = R(1, 3, 1, 2)
for dims in [None, 0, 1, (0, 2), (1, 3), (-1,), (), (0, 1, 2, 3), (-4, -2)]:
    f = (lambda x: x.squeeze()) if dims is None else (lambda x, d=dims: x.squeeze(dim=d))
    case(f"squeeze{dims}", (lambda x: torch.squeeze(x)) if dims is None else
         (lambda x, d=dims: torch.squeeze(x, d)), f, XS)
same("squeeze_dup", lambda x: x.squeeze(dim=(0, 0)), XS)
same("squeeze_out_of_range", lambda x: x.squeeze(dim=4), XS)
same("squeeze_0d", lambda x: x.squeeze(dim=0), R())
same("squeeze_0d_tuple", lambda x: x.squeeze(dim=(0,)), R())
same("squeeze_0d_neg", lambda x: x.squeeze(dim=-1), R())
case("squeeze__of_a_constant", lambda x: x.detach().clone().squeeze_((0, 2)),
     lambda x: x.detach().clone().squeeze_(dim=(0, 2)), XS)
case("unsqueeze__of_a_constant", lambda x: x.detach().clone().unsqueeze_(-1),
     lambda x: x.detach().clone().unsqueeze_(-1), XS)
same("squeeze__in_a_graph", lambda x: (lambda y: (y.squeeze_(2), y)[1])(x * 1), XS)
same("squeeze__of_a_view", lambda x: (lambda y: (y.squeeze_(), y)[1])(
    x.detach().clone().unsqueeze(0)), R(3, 2))
same("t__then_write", lambda x: (lambda y: (y.t_(), y.mul_(2), y)[2])(x.detach().clone()),
     R(3, 2))
same("transpose__after_clamp_", lambda x: (lambda y: (y.clamp_(0, 1), y.transpose_(0, 2), y)[2])(
    x.detach().clone()), R(2, 3, 2))
same("unsqueeze__then_write", lambda x: (lambda y: (y.unsqueeze_(1), y.mul_(2), y)[2])(
    x.detach().clone()), R(3, 2))
same("t__of_a_view", lambda x: (lambda b: (lambda y: (y.t_(), y.mul_(3), b)[2])(b[0]))(
    x.detach().clone()), R(2, 3, 2))

# ---- tril, triu ----------------------------------------------------------------------------
for k in [-10, -5, -3, -1, 0, 1, 2, 4, 5, 6, 100]:
    same(f"tril{k}", lambda x, k=k: x.tril(k), X3)
    same(f"triu{k}", lambda x, k=k: x.triu(k), X3)
    case(f"torch.tril_kw{k}", lambda x, k=k: torch.tril(x, diagonal=k),
         lambda x, k=k: x.tril(diagonal=k), X2)
    same(f"triu_int{k}", lambda x, k=k: x.triu(k), R(4, 3, dt=np.int64))
    same(f"triu_bool{k}", lambda x, k=k: x.triu(k), R(4, 3, dt=np.bool_))
    same(f"tril_{k}", lambda x, k=k: (x * 1).tril_(k), R(2, 4, 3))
    same(f"triu_{k}", lambda x, k=k: (x * 1).triu_(k), R(2, 4, 3))
same("tril_1d", lambda x: x.tril(), R(3))
same("triu_1d", lambda x: x.triu(), R(3))
same("tril_0d", lambda x: x.tril(), R())
same("tril_empty", lambda x: x.tril(), R(0, 3))
same("tril_complex", lambda x: x.tril(-1), R(3, 3, dt=np.complex128))
same("tril__int", lambda x: (x * 1).tril_(-1), R(3, 3, dt=np.int64))
same("tril__of_a_leaf", lambda x: x.tril_(), R(3, 3))

# ---- repeat_interleave, tile ---------------------------------------------------------------
same("repeat_interleave_int", lambda x: x.repeat_interleave(2), X2)
same("repeat_interleave_int_dim", lambda x: x.repeat_interleave(3, dim=1), X2)
same("repeat_interleave_int_dim_positional", lambda x: x.repeat_interleave(3, 0), X2)
same("repeat_interleave_output_size_int", lambda x: x.repeat_interleave(2, dim=1, output_size=10),
     X2)
same("repeat_interleave_0d", lambda x: x.repeat_interleave(3), R())
for i, (reps, d, extra) in enumerate([([1, 0, 2], 0, {}), ([1, 0, 2, 1, 3], -1, {}),
                                      ([2], 0, {}), ([1, 0, 2], 0, {"output_size": 3}),
                                      ([1, 0, 2], 0, {"output_size": 4}), ([1, -1, 2], 0, {}),
                                      ([1, 2], 0, {}), (2, 0, {}), ([2], None, {}),
                                      ([1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3], None, {})]):
    case(f"repeat_interleave_tensor{i}",
         lambda x, r=reps, d=d, k=extra: x.repeat_interleave(torch.tensor(r), dim=d, **k),
         lambda x, r=reps, d=d, k=extra: x.repeat_interleave(ad.tensor(np.array(r)), dim=d, **k),
         X2)
case("torch.repeat_interleave_of_repeats", torch.repeat_interleave,
     lambda r: gnp.repeat(gnp.arange(len(r)), r), np.array([1, 0, 3, 2]))
for reps in [(2,), (1, 2), (2, 1, 3), (2, 2, 1, 1), (0, 2), (3,)]:
    same(f"tile{reps}", lambda x, r=reps: x.tile(r), X2)
    same(f"tile_varargs{reps}", lambda x, r=reps: x.tile(*r), X2)
same("tile_0d", lambda x: x.tile((2, 3)), R())
same("tile_of_strided", lambda x: x[:, ::2].tile(2, 1, 2), X2)
case("torch.tile", lambda x: torch.tile(x, (2,)), lambda x: gnp.tile(x, (2,)), X3)
case("repeat_is_tile", lambda x: x.repeat(2, 1, 3), lambda x: x.tile((2, 1, 3)), X2)

# ---- block_diag, cartesian_prod, combinations, meshgrid ------------------------------------


def _cartesian(*xs):
    return xs[0] if len(xs) == 1 else gnp.stack(
        [g.reshape(-1) for g in gnp.meshgrid(*xs, indexing="ij")], -1)


for i, args in enumerate([(R(2, 3), R(1), R(2, 2)), (R(), R(2, 1)), (R(0, 2), R(2, 0)),
                          (R(2, 3),), (R(2, 2), R(2, 2, dt=np.int64)),
                          (R(2, 2, dt=np.complex128), R(1, 2)), (R(2, 2, 2), R(1, 2)),
                          (R(3), R(2)), (R(2, dt=np.int64), R(1, 3, dt=np.int32))]):
    case(f"block_diag{i}", torch.block_diag, gsl.block_diag, *args)
for i, args in enumerate([(R(2), R(3), R(2)), (R(3),), (R(0), R(3)),
                          (R(2, dt=np.int64), R(3, dt=np.int64)), (R(2, 2), R(3))]):
    case(f"cartesian_prod{i}", torch.cartesian_prod, _cartesian, *args)
for r in range(6):
    for wr in (False, True):
        case(f"combinations_r{r}_{wr}", lambda a, r=r, w=wr: torch.combinations(a, r, w),
             lambda a, r=r, w=wr: gnp.combinations(a, r, w), R(4))
case("combinations_empty", lambda a: torch.combinations(a, 2),
     lambda a: gnp.combinations(a, 2), R(0))
case("combinations_one", lambda a: torch.combinations(a, 2), lambda a: gnp.combinations(a, 2),
     R(1))
case("combinations_int", lambda a: torch.combinations(a, 2, with_replacement=True),
     lambda a: gnp.combinations(a, 2, with_replacement=True), R(3, dt=np.int64))
case("combinations_2d", lambda a: torch.combinations(a, 2), lambda a: gnp.combinations(a, 2),
     R(2, 2))
case("combinations_negative_r", lambda a: torch.combinations(a, -1),
     lambda a: gnp.combinations(a, -1), R(3))
for ind in ("ij", "xy"):
    case(f"meshgrid3_{ind}", lambda *a, i=ind: torch.meshgrid(*a, indexing=i),
         lambda *a, i=ind: gnp.meshgrid(*a, indexing=i), R(2), R(3), R(4))
    case(f"meshgrid2_{ind}", lambda *a, i=ind: torch.meshgrid(*a, indexing=i),
         lambda *a, i=ind: gnp.meshgrid(*a, indexing=i), R(2), R(3))
    case(f"meshgrid1_{ind}", lambda *a, i=ind: torch.meshgrid(*a, indexing=i),
         lambda *a, i=ind: gnp.meshgrid(*a, indexing=i), R(3))
    case(f"meshgrid_0d_{ind}", lambda *a, i=ind: torch.meshgrid(*a, indexing=i),
         lambda *a, i=ind: gnp.meshgrid(*a, indexing=i), R(), R(3))
    case(f"meshgrid_list_{ind}", lambda *a, i=ind: torch.meshgrid(list(a), indexing=i),
         lambda *a, i=ind: gnp.meshgrid(*a, indexing=i), R(2), R(3))
    case(f"meshgrid_empty_{ind}", lambda *a, i=ind: torch.meshgrid(*a, indexing=i),
         lambda *a, i=ind: gnp.meshgrid(*a, indexing=i), R(0), R(3))
case("meshgrid_bad_indexing", lambda *a: torch.meshgrid(*a, indexing="ab"),
     lambda *a: gnp.meshgrid(*a, indexing="ab"), R(2), R(3))
case("meshgrid_2d_input", lambda *a: torch.meshgrid(*a, indexing="ij"),
     lambda *a: gnp.meshgrid(*a, indexing="ij"), R(2, 2), R(3))
case("meshgrid_mixed_dtypes", lambda *a: torch.meshgrid(*a, indexing="ij"),
     lambda *a: gnp.meshgrid(*a, indexing="ij"), R(2), R(3, dt=np.float32))

# ---- cat, stack, hstack, vstack, dstack, column_stack --------------------------------------


def _axis_kw(f):
    return lambda seq, **k: f(seq, **({"axis": k["dim"]} if "dim" in k else {}))


STACKS = {"cat": (torch.cat, _axis_kw(gnp.concatenate)),
          "stack": (torch.stack, _axis_kw(gnp.stack)),
          "hstack": (torch.hstack, gnp.hstack), "vstack": (torch.vstack, gnp.vstack),
          "dstack": (torch.dstack, gnp.dstack),
          "column_stack": (torch.column_stack, gnp.column_stack),
          "row_stack": (torch.vstack, gnp.row_stack)}
DTYPE_PAIRS = [(np.float64, np.float64), (np.float32, np.float64), (np.float32, np.float32),
               (np.int64, np.float32), (np.int32, np.int64), (np.bool_, np.int64),
               (np.float64, np.complex128), (np.bool_, np.float32), (np.int64, np.float64)]
for nm, (tf, gf) in STACKS.items():
    for shape in [(2, 3), (3,), (2, 3, 4), (0,), (2, 0), ()]:
        for da, db in DTYPE_PAIRS:
            if shape == () and nm == "cat":
                continue
            case(f"{nm}{shape}_{np.dtype(da).name}+{np.dtype(db).name}",
                 lambda a, b, t=tf: t((a, b)), lambda a, b, g=gf: g((a, b)),
                 R(*shape, dt=da), R(*shape, dt=db))
for nm, (tf, gf) in STACKS.items():
    case(f"{nm}_three_with_empty", lambda *a, t=tf: t(list(a)), lambda *a, g=gf: g(list(a)),
         R(2, 0), R(2, 0), R(2, 0))
    case(f"{nm}_one", lambda a, t=tf: t([a]), lambda a, g=gf: g([a]), R(2, 3))
cat_t, cat_g = STACKS["cat"]
stack_t, stack_g = STACKS["stack"]
for d in (1, -1, 0, 2, -3):
    case(f"cat_dim{d}", lambda a, b, d=d: cat_t((a, b), dim=d),
         lambda a, b, d=d: cat_g((a, b), dim=d), R(2, 3, 1), R(2, 3, 1))
    case(f"stack_dim{d}", lambda a, b, d=d: stack_t((a, b), dim=d),
         lambda a, b, d=d: stack_g((a, b), dim=d), R(2, 3), R(2, 3))
case("cat_dim_out_of_range", lambda a, b: cat_t((a, b), dim=2),
     lambda a, b: cat_g((a, b), dim=2), R(2, 3), R(2, 3))
case("cat_sizes_differ", lambda a, b: cat_t((a, b)), lambda a, b: cat_g((a, b)), R(2, 3), R(2, 4))
case("cat_ndims_differ", lambda a, b: cat_t((a, b)), lambda a, b: cat_g((a, b)), R(2, 3), R(3))
case("cat_0d", lambda a, b: cat_t((a, b)), lambda a, b: cat_g((a, b)), R(), R())
case("cat_legacy_empty_1d", lambda a, b: cat_t((a, b)), lambda a, b: cat_g((a, b)), R(2, 3), R(0))
case("cat_empty_list", lambda: cat_t([]), lambda: cat_g([]))
case("stack_shapes_differ", lambda a, b: stack_t((a, b)), lambda a, b: stack_g((a, b)), R(2, 3),
     R(3, 2))
case("stack_empty_list", lambda: stack_t([]), lambda: stack_g([]))
case("hstack_1d_2d", lambda a, b: torch.hstack((a, b)), lambda a, b: gnp.hstack((a, b)), R(3),
     R(3, 1))
case("vstack_1d_2d", lambda a, b: torch.vstack((a, b)), lambda a, b: gnp.vstack((a, b)), R(3),
     R(2, 3))
case("column_stack_1d_2d", lambda a, b: torch.column_stack((a, b)),
     lambda a, b: gnp.column_stack((a, b)), R(3), R(3, 2))
case("column_stack_0d_1d", lambda a, b: torch.column_stack((a, b)),
     lambda a, b: gnp.column_stack((a, b)), R(), R(1))
case("dstack_1d_2d", lambda a, b: torch.dstack((a, b)), lambda a, b: gnp.dstack((a, b)), R(3),
     R(1, 3))
case("cat_f32_and_0d_f64", lambda a, b: cat_t((a, b.reshape(1))),
     lambda a, b: cat_g((a, b.reshape(1))), R(3, dt=np.float32), R())

# ---- split, tensor_split, chunk, hsplit, vsplit, dsplit ------------------------------------
XSP = R(7, 4)
for sec in [1, 2, 3, 7, 8, 0, -1, [2, 5], [0, 3, 3, 9], [-1], [5, 2], (1, -2), [], [9], 10]:
    for d in (0, 1, -2):
        same(f"tensor_split{sec}_dim{d}", lambda x, s=sec, d=d: x.tensor_split(s, d), XSP)
case("tensor_split_tensor_indices", lambda x: x.tensor_split(torch.tensor([1, 4])),
     lambda x: x.tensor_split(ad.tensor(np.array([1, 4]))), XSP)
case("tensor_split_tensor_sections", lambda x: x.tensor_split(torch.tensor(3)),
     lambda x: x.tensor_split(ad.tensor(np.array(3))), XSP)
case("tensor_split_float_tensor", lambda x: x.tensor_split(torch.tensor([1.0])),
     lambda x: x.tensor_split(ad.tensor(np.array([1.0]))), XSP)
same("tensor_split_indices_kw", lambda x: x.tensor_split(indices=[1, 4], dim=1), XSP)
same("tensor_split_sections_kw", lambda x: x.tensor_split(sections=3, dim=1), XSP)
same("tensor_split_0d", lambda x: x.tensor_split(2), R())
case("torch.tensor_split", lambda x: torch.tensor_split(x, 3), lambda x: x.tensor_split(3), R(5))
for size in [1, 2, 3, 4, 7, 8, 0, [2, 5], [3, 4], [7], [1, 1, 5], [0, 7], [2, 2], [8]]:
    for d in (0, -2):
        same(f"split{size}_dim{d}", lambda x, s=size, d=d: x.split(s, d), XSP)
same("split_size_kw", lambda x: x.split(split_size=3, dim=1), XSP)
same("split_0_of_empty_dim", lambda x: x.split(0), R(0, 3))
same("split_0d", lambda x: x.split(1), R())
case("torch.split", lambda x: torch.split(x, [3, 4]), lambda x: x.split([3, 4]), XSP)
same("split_with_sizes", lambda x: x.split_with_sizes([1, 3], 1), XSP)
for n in [1, 2, 3, 4, 6, 7, 8, 0, -1]:
    for d in (0, 1):
        same(f"chunk{n}_dim{d}", lambda x, n=n, d=d: x.chunk(n, d), XSP)
same("chunk_empty", lambda x: x.chunk(3), R(0, 2))
same("chunk_5_of_6", lambda x: x.chunk(5), R(6))
same("chunk_4_of_6", lambda x: x.chunk(4), R(6))
same("chunk_kw", lambda x: x.chunk(chunks=3, dim=-1), R(2, 6))
same("chunk_0d", lambda x: x.chunk(2), R())
same("unsafe_chunk", lambda x: x.unsafe_chunk(3), XSP)
for sec in (2, [1, 3]):
    same(f"hsplit{sec}", lambda x, s=sec: x.hsplit(s), R(3, 4))
    same(f"vsplit{sec}", lambda x, s=sec: x.vsplit(s), R(4, 3))
    same(f"dsplit{sec}", lambda x, s=sec: x.dsplit(s), R(2, 3, 4))
same("hsplit_1d", lambda x: x.hsplit(2), R(4))
same("hsplit_uneven", lambda x: x.hsplit(3), R(2, 4))
same("vsplit_1d", lambda x: x.vsplit(2), R(4))
same("dsplit_2d", lambda x: x.dsplit(2), R(4, 2))

# ---- arguments of the wrong kind: torch refuses floats where it counts, and missing dims ------
for nm, f in {"narrow_float_start": lambda x: x.narrow(0, 0.5, 1),
              "rot90_float_k": lambda x: x.rot90(1.5), "tril_float": lambda x: x.tril(0.5),
              "roll_float": lambda x: x.roll(1.5, 0), "split_float": lambda x: x.split(1.5),
              "split_float_sizes": lambda x: x.split([1.0, 1.0, 1.0]),
              "chunk_float": lambda x: x.chunk(2.0), "diagonal_float": lambda x: x.diagonal(0.5),
              "flip_no_dims": lambda x: x.flip(), "tile_no_dims": lambda x: x.tile(),
              "tile_empty_dims": lambda x: x.tile(()), "flip_empty_dims": lambda x: x.flip(()),
              "diagonal_same_neg_dims": lambda x: x.diagonal(dim1=0, dim2=-2),
              "movedim_float": lambda x: x.movedim(0.0, 1)}.items():
    same(nm, f, R(3, 4))

# ---- complex, polar, view_as_real, view_as_complex (as docs/porting.md spells them) ---------
case("complex", torch.complex, lambda a, b: a + 1j * b, R(3), R(3))
case("complex_broadcast", torch.complex, lambda a, b: a + 1j * b, R(3, 1), R(4))
case("complex_f32", torch.complex, lambda a, b: a + 1j * b, R(3, dt=np.float32),
     R(3, dt=np.float32))
case("polar", torch.polar, lambda r, t: r * gnp.exp(1j * t), np.abs(R(4)) + 0.1, R(4))
case("polar_negative_abs", torch.polar, lambda r, t: r * gnp.exp(1j * t), -np.abs(R(4)), R(4))
case("view_as_real", torch.view_as_real, lambda z: gnp.stack([z.real, z.imag], -1),
     R(2, 3, dt=np.complex128))
case("view_as_real_c64", torch.view_as_real, lambda z: gnp.stack([z.real, z.imag], -1),
     R(3, dt=np.complex64))
case("view_as_real_0d", torch.view_as_real, lambda z: gnp.stack([z.real, z.imag], -1),
     R(dt=np.complex128))
case("view_as_complex", torch.view_as_complex, lambda x: x[..., 0] + 1j * x[..., 1], R(3, 2))
same("real_imag_abs_angle", lambda z: (z.real * 2, z.imag * 3, z.abs(), z.angle()),
     R(3, dt=np.complex128))

# ---- in-place writes through views: values of the base, gradients of the leaf ---------------


def _p(name):
    def deco(f):
        same(f"inplace_{name}", lambda x: f(x * 1.0), R(4, 5))
        return f
    return deco


@_p("clamp__diagonal")
def _(y):
    y.diagonal().clamp_(-0.2, 0.2)
    return y


@_p("clamp__narrow")
def _(y):
    y.narrow(1, 1, 3).clamp_(min=0.0)
    return y


@_p("clamp_max__transposed")
def _(y):
    v = y.t()
    v.clamp_max_(0.1)
    return y, v


@_p("mul__movedim")
def _(y):
    y.movedim(0, 1)[1:3].mul_(2)
    return y


@_p("clamp_max__permute_narrow")
def _(y):
    y.permute(1, 0).narrow(0, 2, 2).clamp_max_(0.0)
    return y


@_p("clamp_min__diagonal_of_strided")
def _(y):
    y[::2].diagonal().clamp_min_(0.5)
    return y


@_p("mul__unsqueeze_select_narrow")
def _(y):
    y.unsqueeze(0).select(0, 0).narrow(0, 1, 1).mul_(-1)
    return y


@_p("flip_is_a_copy")
def _(y):
    f = y.flip(0)
    f.mul_(2)
    return y, f


@_p("roll_is_a_copy")
def _(y):
    r = y.roll(1, 0)
    r.clamp_(0, 1)
    return y, r


@_p("rot90_is_a_copy")
def _(y):
    z = y.rot90(1, (0, 1))
    z[0] = 0.0
    return y, z


@_p("narrow_copy_is_a_copy")
def _(y):
    y.narrow_copy(0, 1, 2).mul_(5)
    return y


@_p("copy__diagonal_swapped_dims")
def _(y):
    y.diagonal(0, 1, 0).copy_(y.sum(1))
    return y


@_p("copy__narrow_from_flip")
def _(y):
    y.narrow(0, 0, 2).copy_(y.narrow(0, 2, 2).flip(0))
    return y


@_p("mul__unfold_nonoverlapping")
def _(y):
    y.unfold(1, 2, 2).mul_(3)
    return y


@_p("clamp__diagonal_read_after")
def _(y):
    d = y.diagonal()
    d.clamp_(-0.1, 0.1)
    return y.sum(0) * d.sum()


@_p("clamp__tensor_split_piece")
def _(y):
    y.tensor_split(2, 1)[1].clamp_(-0.3, 0.3)
    return y


@_p("clamp_expanded_read")
def _(y):
    return y[:, :1].expand(4, 3).clamp(0, 1)


@_p("clamp__base_after_view")
def _(y):
    a = y[1:3]
    y.clamp_(-0.5, 0.5)
    return a * 2


@_p("triu__row_slice")
def _(y):
    y[1:].triu_()
    return y


@_p("tril__transposed")
def _(y):
    y.t().tril_(-1)
    return y


@_p("triu__narrow")
def _(y):
    y.narrow(1, 1, 4).triu_(1)
    return y


@_p("mul__of_a_split_piece")
def _(y):
    for i, p in enumerate(y.split(2)):
        p.mul_(i + 1)
    return y


@_p("add__of_chunks")
def _(y):
    for i, p in enumerate(y.chunk(3, 1)):
        p.add_(i)
    return y


@_p("fill__diagonal_of_a_chunk")
def _(y):
    y.chunk(2)[0].diagonal().fill_(2.0)
    return y


@_p("mul__diagonal_by_itself")
def _(y):
    y.diagonal().mul_(y.diagonal())
    return y


same("inplace_triu__permuted_batch", lambda x: (lambda y: (y.permute(1, 0, 2).triu_(1), y)[1])(
    x * 1), R(2, 3, 4))
same("inplace_clamp__moveaxis", lambda x: (lambda y: (y.moveaxis((0, 1), (2, 0))[1].clamp_(0, 1),
                                                      y)[1])(x * 1), R(2, 3, 4))

# inputs on a bound of clamp (XC, XT hold -1, 0, 0.5, 1): the one-sided derivative there is
# torch's, checked above, and central differences average the two sides
ON_A_KINK = {n for n in CASES if n.startswith(("clamp", "clip", "torch.clamp"))
             and CASES[n][2][0] is not None and len(CASES[n][2]) and
             (CASES[n][2][0] is XC or CASES[n][2][0] is XT)}

# ---- where gpuad differs on purpose -------------------------------------------------------
_NUMPY_PROMOTION = ("NumPy's promotion (docs/porting.md): an integer tensor and a float32 one "
                    "give float64 (torch: float32)")
_NUMPY_INT_FLOAT = ("an integer tensor clamped by a Python float becomes float64, NumPy's "
                    "default float (torch: float32)")
_TORCH_REFUSES_SPLIT = ("torch refuses in-place writes to the pieces of split/chunk (views "
                        "from a multi-output function); gpuad differentiates them exactly")
# name -> (what gpuad does instead, why). "dtype": torch's values in gpuad's own dtype;
# "computes": torch raises, gpuad's values are torch's without grad and its gradient the
# central differences'; "raises": gpuad raises a clear error where torch computes;
# "grad_fd": torch's gradient is wrong or fails, gpuad's matches central differences
DIFFERS: dict = {}
for nm in STACKS:
    for shape in [(2, 3), (3,), (2, 3, 4), (0,), (2, 0), ()]:
        if shape != () or nm != "cat":
            DIFFERS[f"{nm}{shape}_int64+float32"] = ("dtype", _NUMPY_PROMOTION)
DIFFERS.update({
    "block_diag4": ("dtype", "NumPy's promotion: a float64 and an int64 block give float64, "
                    "as torch's; see block_diag8 for int32 and int64"),
    "cartesian_prod4": ("computes", "gnp.meshgrid flattens a 2-d input as NumPy's (torch wants "
                        "0-d or 1-d tensors)"),
    "meshgrid_2d_input": ("computes", "gnp.meshgrid is NumPy's: a 2-d input is flattened "
                          "(torch wants 0-d or 1-d tensors)"),
    "meshgrid_mixed_dtypes": ("computes", "gnp.meshgrid is NumPy's: each grid keeps its own "
                              "dtype (torch wants one dtype)"),
    "cat_legacy_empty_1d": ("raises", "torch skips a 1-d empty tensor in cat (a legacy rule); "
                            "gpuad's concatenate is NumPy's, which wants equal ndims"),
    "squeeze__in_a_graph": ("raises", "gpuad changes a tensor's shape in place only outside "
                            "any graph: write t = t.squeeze(...), a view"),
    "squeeze__of_a_view": ("raises", "gpuad changes the shape of a view in place nowhere (its "
                           "base keeps its own): write t = t.squeeze(...)"),
    "t__of_a_view": ("raises", "gpuad changes the shape of a view in place nowhere: write "
                     "t = t.t()"),
    "clamp_int-1.0,1.0": ("dtype", _NUMPY_INT_FLOAT),
    "clamp__int_by_float": ("raises_both", "torch and gpuad refuse to write a float result "
                            "into an integer tensor"),
    "tensor_split_float_tensor": ("raises_both", "indices must be integers"),
    "inplace_mul__of_a_split_piece": ("computes", _TORCH_REFUSES_SPLIT),
    "inplace_add__of_chunks": ("computes", _TORCH_REFUSES_SPLIT),
    "inplace_fill__diagonal_of_a_chunk": ("computes", _TORCH_REFUSES_SPLIT),
    "inplace_mul__diagonal_by_itself": (
        "grad_fd", "torch's backward refuses (the diagonal it saved was overwritten); gpuad "
        "keeps the value it read and differentiates the program exactly"),
    "polar_negative_abs": ("grad_fd", "torch's polar backward takes the abs from the result "
                           "(|r|), so its gradient in a negative abs has the wrong sign; gpuad "
                           "differentiates r * exp(i theta)"),
})
for d, s, n in [(-1, -2, 2), (1, -3, 3)]:
    DIFFERS[f"narrow_copy{d},{s},{n}"] = (
        "grad_fd", "torch's narrow_copy backward fails for a negative start (a size mismatch); "
        "gpuad's gradient is narrow's")


def _to_torch(a):
    if not isinstance(a, np.ndarray):
        return a
    t = torch.tensor(a)
    return t.requires_grad_() if a.dtype.kind in "fc" else t


def _to_gpuad(a):
    if not isinstance(a, np.ndarray):
        return a
    return ad.tensor(ad.get_backend().asarray(a.copy()), requires_grad=a.dtype.kind in "fc")


def _flat(o):
    if isinstance(o, tuple | list):
        return [y for x in o for y in _flat(x)]
    return [o]


def _host(x):
    if isinstance(x, torch.Tensor):
        return x.detach().resolve_conj().numpy()
    if isinstance(x, ad.Tensor):
        return np.asarray(x.numpy())
    if hasattr(x, "get"):
        return x.get()
    return np.asarray(x)


def _run(f, args, make):
    try:
        return f(*[make(a) for a in args]), None
    except Exception as e:  # noqa: BLE001  (what either library raises is compared below)
        return None, e


def _assert_same(name, tout, gout, dtypes=True):
    tf, gf = _flat(tout), _flat(gout)
    assert len(tf) == len(gf), f"{name}: {len(gf)} outputs, torch {len(tf)}"
    for i, (t, g) in enumerate(zip(tf, gf, strict=True)):
        th, gh = _host(t), _host(g)
        assert gh.shape == th.shape, f"{name} out{i}: shape {gh.shape}, torch {th.shape}"
        if dtypes and isinstance(t, torch.Tensor):
            assert gh.dtype == T2N[t.dtype], f"{name} out{i}: dtype {gh.dtype}, torch {t.dtype}"
        if th.dtype.kind in "biu" and gh.dtype.kind in "biu":
            np.testing.assert_array_equal(gh, th, err_msg=f"{name} out{i}")
        else:
            tol = 1e-6 if np.float32 in (th.dtype, gh.dtype) or th.dtype == np.complex64 else 1e-12
            np.testing.assert_allclose(gh.astype(np.complex128), th.astype(np.complex128),
                                       rtol=tol, atol=tol, err_msg=f"{name} out{i}")


def _loss_gpuad(out, cs):
    total = 0.0
    for o, c in zip(out, cs, strict=True):
        cc = ad.get_backend().asarray(c)
        total = total + (gnp.sum(gnp.real(o * cc)) if np.iscomplexobj(c) else gnp.sum(o * cc))
    return total


def _diff_outputs(tout, gout):
    """Indices of the outputs that carry a derivative (floating, torch's requires grad, or
    for torch refusals gpuad's)."""
    tf, gf = _flat(tout), _flat(gout)
    return [i for i, (t, g) in enumerate(zip(tf, gf, strict=True))
            if isinstance(g, ad.Tensor) and g.requires_grad
            and (t is None or (isinstance(t, torch.Tensor) and t.requires_grad))]


def _check_gradients(name, tf, gf, args, *, against_torch=True):
    """gpuad's gradient of sum(out * c) against torch's (values and dtypes) and, for float64
    inputs, against central differences along a random direction; forward mode too."""
    targs = [_to_torch(a) for a in args]
    gargs = [_to_gpuad(a) for a in args]
    tout = tf(*targs) if against_torch else None
    gout = gf(*gargs)
    gflat = _flat(gout)
    idx = _diff_outputs(_flat(tout) if against_torch else [None] * len(gflat), gout)
    gins = [(k, a) for k, a in enumerate(gargs) if isinstance(a, ad.Tensor) and a.requires_grad]
    if not idx or not gins:
        return
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    cs = []
    for i in idx:
        shp = _host(gflat[i]).shape
        c = rng.standard_normal(shp)
        cs.append(c + 1j * rng.standard_normal(shp) if gflat[i].dtype.kind == "c" else c)
    _loss_gpuad([gflat[i] for i in idx], cs).backward()
    ggrads = [_host(a.grad) if a.grad is not None else np.zeros(a.shape, a.dtype)
              for _, a in gins]
    for (_, a), g in zip(gins, ggrads, strict=True):
        assert g.dtype == a.dtype, f"{name}: gradient dtype {g.dtype}, input {a.dtype}"
    if against_torch:
        tflat = _flat(tout)
        tl = sum((tflat[i] * torch.tensor(c)).real.sum() if np.iscomplexobj(c)
                 else (tflat[i] * torch.tensor(c)).sum() for i, c in zip(idx, cs, strict=True))
        tins = [targs[k] for k, _ in gins]
        tg = torch.autograd.grad(tl, tins, allow_unused=True)
        for j, (t, g) in enumerate(zip(tg, ggrads, strict=True)):
            th = np.zeros(g.shape) if t is None else _host(t)
            tol = 1e-5 if g.dtype in (np.float32, np.complex64) else 1e-10
            np.testing.assert_allclose(g, th, rtol=tol, atol=tol,
                                       err_msg=f"{name}: gradient of input {j}")
    if any(args[k].dtype not in (np.float64, np.complex128) for k, _ in gins):
        return
    if name in ON_A_KINK or not all(np.isfinite(args[k]).all() for k, _ in gins):
        return  # central differences straddle the kink (or meet NaN): torch's value above
    # central differences along a random direction v: <grad, v> and forward mode's tangent
    vs = {k: rng.standard_normal(args[k].shape) * (1 if args[k].dtype.kind == "f" else 1 + 0j)
          for k, _ in gins}
    eps = 1e-6

    def loss_at(sign):
        shifted = [np.asarray(a + sign * eps * vs[k]) if k in vs else a
                   for k, a in enumerate(args)]
        with ad.no_grad():
            out = _flat(gf(*[_to_gpuad(a) for a in shifted]))
            return float(_host(_loss_gpuad([out[i] for i in idx], cs)).real)

    fd = (loss_at(1) - loss_at(-1)) / (2 * eps)
    ana = sum(np.real(np.vdot(ggrads[j], vs[k])) for j, (k, _) in enumerate(gins))
    assert abs(fd - ana) <= 1e-6 * (1 + abs(fd)), f"{name}: <grad, v> {ana}, differences {fd}"
    if any(args[k].dtype.kind == "c" for k in vs):
        return  # forward mode below takes real inputs

    def fwd(*xs):
        full = list(args)
        for (k, _), x in zip(gins, xs, strict=True):
            full[k] = x
        out = _flat(gf(*[ad.tensor(a) if isinstance(a, np.ndarray) else a for a in full]))
        return tuple(out[i] for i in idx)

    _, tangents = ad.jvp(fwd, tuple(args[k] for k, _ in gins), tuple(vs[k] for k, _ in gins))
    fwd_fd = sum(np.sum(c * _host(t)).real for c, t in zip(cs, _flat(tangents), strict=True))
    assert abs(fd - fwd_fd) <= 1e-6 * (1 + abs(fd)), f"{name}: jvp {fwd_fd}, differences {fd}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_ops_match_torch(backend, name):
    tf, gf, args = CASES[name]
    kind, why = DIFFERS.get(name, ("", ""))
    tout, terr = _run(tf, args, _to_torch)
    gout, gerr = _run(gf, args, _to_gpuad)
    if kind in ("computes",):
        assert terr is not None and gerr is None, f"{name}: listed as a torch refusal ({why})"
        with torch.no_grad():
            ref, _ = _run(tf, args, lambda a: torch.tensor(a) if isinstance(a, np.ndarray) else a)
        if ref is not None:
            _assert_same(name, ref, gout)
        _check_gradients(name, tf, gf, args, against_torch=False)
        return
    if kind == "raises":
        assert terr is None, f"{name}: torch raises {terr!r}; DIFFERS is stale"
        assert gerr is not None and not isinstance(gerr, UNCLEAR), (
            f"{name}: gpuad must raise a clear error ({why}); got {gerr!r}")
        return
    if terr is not None or gerr is not None:
        assert terr is not None, f"{name}: gpuad raises {gerr!r} where torch computes"
        assert gerr is not None, f"{name}: torch raises {terr!r}; gpuad returns a value"
        assert not isinstance(gerr, UNCLEAR), f"{name}: unclear error {gerr!r}"
        return
    assert kind != "raises_both", f"{name}: both compute; DIFFERS is stale"
    _assert_same(name, tout, gout, dtypes=kind != "dtype")
    if kind == "dtype":
        return
    _check_gradients(name, tf, gf, args, against_torch=kind != "grad_fd")


def test_differs_entries_name_cases():
    assert not set(DIFFERS) - set(CASES), sorted(set(DIFFERS) - set(CASES))


# ---- creation functions (test_tensor_creation_ops.py) ---------------------------------------
# gpuad's factories take NumPy's arguments and give backend arrays (docs/porting.md); torch's
# are called with float64 as the default dtype, gpuad's default float
FACTORIES: dict = {}


def factory(name, t, g):
    assert name not in FACTORIES, name
    FACTORIES[name] = (t, g)


for a in [(5,), (0,), (-3,), (2, 7), (7, 2), (7, 2, -1), (0, 1, 0.1), (1, 0, -0.1), (0, 1, 0.3),
          (-1.5, 2.5, 0.5), (0, 10, 3), (10, 0, -3), (0.0, 5), (1, 2.5), (0, 5, 1.0),
          (0, -1, -0.25), (5, 5), (0, 1e-3, 1e-4), (1, 4, 0), (0, 5, -1), (3, 1), (-5, -1)]:
    factory(f"arange{a}", lambda a=a: torch.arange(*a), lambda a=a: gnp.arange(*a))
for a, dt in [((5,), torch.float32), ((0, 1, 0.25), torch.float32), ((0, 5), torch.int32),
              ((0.5, 3), torch.int64), ((-2.5, 3, 1.5), torch.int64), ((5,), torch.complex128),
              ((0, 4), torch.int16), ((0, 6, 2), torch.uint8)]:
    factory(f"arange{a}_{dt}", lambda a=a, d=dt: torch.arange(*a, dtype=d),
            lambda a=a, d=dt: gnp.arange(*a, dtype=T2N[d]))
for a in [(0, 1, 1), (0, 1, 2), (0, 1, 5), (1, 0, 4), (-1, 1, 0), (0, 10, 11), (2, 2, 3),
          (0, 1, 7), (1e-3, 1, 3), (0, 1, -1)]:
    factory(f"linspace{a}", lambda a=a: torch.linspace(*a), lambda a=a: gnp.linspace(*a))
    factory(f"linspace{a}_f32", lambda a=a: torch.linspace(*a, dtype=torch.float32),
            lambda a=a: gnp.linspace(*a, dtype=np.float32))
    factory(f"logspace{a}", lambda a=a: torch.logspace(*a), lambda a=a: gnp.logspace(*a))
    factory(f"logspace{a}_base2", lambda a=a: torch.logspace(*a, base=2),
            lambda a=a: gnp.logspace(*a, base=2))
factory("linspace_int", lambda: torch.linspace(0, 10, 4, dtype=torch.int64),
        lambda: gnp.linspace(0, 10, 4, dtype=np.int64))
factory("linspace_int_negative", lambda: torch.linspace(-10, 3, 6, dtype=torch.int64),
        lambda: gnp.linspace(-10, 3, 6, dtype=np.int64))
factory("logspace_int", lambda: torch.logspace(0, 3, 4, dtype=torch.int64),
        lambda: gnp.logspace(0, 3, 4, dtype=np.int64))
factory("linspace_complex", lambda: torch.linspace(0, 1 + 1j, 3),
        lambda: gnp.linspace(0, 1 + 1j, 3))
factory("linspace_0d_tensor_ends", lambda: torch.linspace(torch.tensor(0.5), torch.tensor(2.0), 4),
        lambda: gnp.linspace(ad.tensor(0.5), ad.tensor(2.0), 4))
for a in [(0, 5), (0, 1, 0.25), (5, 0, -1), (0, 1, 0.3), (2, 2)]:
    # torch.range includes ``end``: NumPy's arange to end + step / 2
    factory(f"range{a}", lambda a=a: torch.range(*a),
            lambda a=a: gnp.arange(a[0], a[1] + (a[2] if len(a) > 2 else 1) / 2, *a[2:]))
for v, dt in [(7, None), (7.5, None), (True, None), (1j, None), (3.7, torch.int64),
              (2, torch.float32), (-1, torch.uint8)]:
    kw_t = {} if dt is None else {"dtype": dt}
    kw_g = {} if dt is None else {"dtype": T2N[dt]}
    factory(f"full{v}_{dt}", lambda v=v, k=kw_t: torch.full((2, 3), v, **k),
            lambda v=v, k=kw_g: gnp.full((2, 3), v, **k))
factory("full_0d", lambda: torch.full((), 2.0), lambda: gnp.full((), 2.0))
factory("full_empty", lambda: torch.full((0, 2), 2.0), lambda: gnp.full((0, 2), 2.0))
factory("full_0d_tensor_value", lambda: torch.full((2,), torch.tensor(3.0)),
        lambda: gnp.full((2,), ad.tensor(3.0)))
factory("full_negative_size", lambda: torch.full((-1,), 2.0), lambda: gnp.full((-1,), 2.0))
for nm in ("zeros", "ones", "empty"):
    for shape, dt in [((2, 3), None), ((0, 3), None), ((), None), ((2,), torch.int32),
                      ((2,), torch.bool), ((2,), torch.complex64), ((-1,), None)]:
        kw_t = {} if dt is None else {"dtype": dt}
        kw_g = {} if dt is None else {"dtype": T2N[dt]}
        keep = (lambda r: (r.shape, r.dtype)) if nm == "empty" else (lambda r: r)
        factory(f"{nm}{shape}_{dt}",
                lambda n=nm, s=shape, k=kw_t, f=keep: f(getattr(torch, n)(s, **k)),
                lambda n=nm, s=shape, k=kw_g, f=keep: f(getattr(gnp, n)(s, **k)))
for a in [(3,), (2, 4), (4, 2), (0,), (3, 0), (0, 3), (-1,), (1,)]:
    factory(f"eye{a}", lambda a=a: torch.eye(*a), lambda a=a: gnp.eye(*a))
factory("eye_int", lambda: torch.eye(3, dtype=torch.int64), lambda: gnp.eye(3, dtype=np.int64))
factory("eye_bool", lambda: torch.eye(3, 2, dtype=torch.bool), lambda: gnp.eye(3, 2, dtype=bool))
for r, c, o in [(3, 3, 0), (4, 3, 0), (3, 4, 1), (3, 4, -1), (5, 5, 10), (5, 5, -10), (0, 3, 0),
                (3, 0, 0), (1, 1, 0), (4, 2, -3), (4, 6, 3), (3, 3, 2), (1, 5, -1)]:
    # torch's (row, col, offset) -> a (2, N) int64 tensor; NumPy's (n, k, m) -> a pair
    factory(f"tril_indices{r},{c},{o}", lambda r=r, c=c, o=o: torch.tril_indices(r, c, o),
            lambda r=r, c=c, o=o: gnp.stack(gnp.tril_indices(r, o, c)).astype(np.int64))
    factory(f"triu_indices{r},{c},{o}", lambda r=r, c=c, o=o: torch.triu_indices(r, c, o),
            lambda r=r, c=c, o=o: gnp.stack(gnp.triu_indices(r, o, c)).astype(np.int64))
LIKE_INPUTS = {np.dtype(d).name: R(2, 3, dt=d) for d in
               (np.float32, np.float64, np.int64, np.int32, np.bool_, np.complex128, np.uint8)}
for dname, arr in LIKE_INPUTS.items():
    for nm, targs in (("zeros_like", ()), ("ones_like", ()), ("full_like", (3,)),
                      ("full_like", (2.7,)), ("full_like", (True,))):
        factory(f"{nm}{targs}_{dname}",
                lambda n=nm, a=arr, t=targs: getattr(torch, n)(torch.tensor(a), *t),
                lambda n=nm, a=arr, t=targs: getattr(gnp, n)(ad.tensor(a), *t))
    factory(f"zeros_like_dtype_{dname}",
            lambda a=arr: torch.zeros_like(torch.tensor(a), dtype=torch.int32),
            lambda a=arr: gnp.zeros_like(ad.tensor(a), dtype=np.int32))
    factory(f"full_like_dtype_{dname}",
            lambda a=arr: torch.full_like(torch.tensor(a), 2.7, dtype=torch.float32),
            lambda a=arr: gnp.full_like(ad.tensor(a), 2.7, dtype=np.float32))
    factory(f"empty_like_{dname}", lambda a=arr: (lambda r: (r.shape, r.dtype))(
        torch.empty_like(torch.tensor(a))), lambda a=arr: (lambda r: (r.shape, r.dtype))(
        gnp.empty_like(ad.tensor(a))))
    for meth, margs in (("new_zeros", ((2, 2),)), ("new_ones", ((3,),)), ("new_full", ((3,), 2.5)),
                        ("new_tensor", ([1, 2],)), ("new_tensor", ([1.5, 2],))):
        factory(f"{meth}{margs}_{dname}",
                lambda m=meth, a=arr, x=margs: getattr(torch.tensor(a), m)(*x),
                lambda m=meth, a=arr, x=margs: getattr(ad.tensor(a), m)(*x))
    factory(f"new_zeros_varargs_{dname}", lambda a=arr: torch.tensor(a).new_zeros(2, 2),
            lambda a=arr: ad.tensor(a).new_zeros(2, 2))
    factory(f"new_full_dtype_{dname}",
            lambda a=arr: torch.tensor(a).new_full((3,), 2.5, dtype=torch.float32),
            lambda a=arr: ad.tensor(a).new_full((3,), 2.5, dtype=np.float32))
    factory(f"new_empty_{dname}", lambda a=arr: (lambda r: (r.shape, r.dtype))(
        torch.tensor(a).new_empty((2,))), lambda a=arr: (lambda r: (r.shape, r.dtype))(
        ad.tensor(a).new_empty((2,))))

_NUMPY_FACTORY = "gpuad's factories are NumPy's (docs/porting.md)"
# name -> (kind, why): "numpy", gpuad returns NumPy's result, which is not torch's; "raises",
# gpuad raises a clear error where torch computes
FACTORY_DIFFERS = {
    **{f"arange{a}": ("numpy", f"{_NUMPY_FACTORY}: bounds that the step's sign cannot reach "
                      f"give an empty range (torch raises)")
       for a in [(-3,), (7, 2), (0, 5, -1), (3, 1)]},
    "arange(-2.5, 3, 1.5)_torch.int64": ("numpy", f"{_NUMPY_FACTORY}: an integer dtype with "
                                         "float bounds counts the integer steps"),
    "arange(5,)_torch.complex128": ("numpy", f"{_NUMPY_FACTORY}: complex ranges (torch has "
                                    "none)"),
    "linspace_int_negative": ("numpy", f"{_NUMPY_FACTORY}: integer samples are floored "
                              "(torch truncates toward zero)"),
    "full-1_torch.uint8": ("raises", "NumPy 2 refuses a Python integer out of the dtype's "
                           "range (torch wraps -1 to 255)"),
}


def _torch_f64(thunk):
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return thunk()
    finally:
        torch.set_default_dtype(old)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_match_torch(backend, name):
    tthunk, gthunk = FACTORIES[name]
    with pytest.warns(UserWarning) if name.startswith("range") else _no_warning():
        tout, terr = _run(lambda: _torch_f64(tthunk), (), None)
    gout, gerr = _run(gthunk, (), None)
    kind, why = FACTORY_DIFFERS.get(name, ("", ""))
    if kind == "raises":
        assert terr is None and gerr is not None and not isinstance(gerr, UNCLEAR), (name, why)
        return
    if kind == "numpy":
        assert gerr is None, f"{name}: {gerr!r}"
        if terr is None:  # else torch raises where NumPy computes
            with pytest.raises(AssertionError):
                _assert_same(name, tout, gout)
        return
    if terr is not None or gerr is not None:
        assert terr is not None, f"{name}: gpuad raises {gerr!r} where torch computes"
        assert gerr is not None, f"{name}: torch raises {terr!r}; gpuad returns a value"
        assert not isinstance(gerr, UNCLEAR) or name.split("(")[0] in str(gerr), (
            f"{name}: unclear error {gerr!r}")
        return
    if isinstance(tout, tuple) and isinstance(tout[1], torch.dtype):  # (shape, dtype) of empty
        assert tuple(gout[0]) == tuple(tout[0]) and np.dtype(gout[1]) == T2N[tout[1]], name
        return
    _assert_same(name, tout, gout)


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_default_float_dtype_is_float64_where_torchs_is_float32():
    """torch's factories default to float32 (its default dtype); gpuad's to NumPy's float64."""
    assert torch.arange(0.0, 3).dtype == torch.float32
    assert gnp.arange(0.0, 3).dtype == np.float64
    for t, g in ((torch.linspace(0, 1, 3), gnp.linspace(0, 1, 3)), (torch.zeros(2), gnp.zeros(2)),
                 (torch.full((2,), 1.5), gnp.full((2,), 1.5)), (torch.eye(2), gnp.eye(2))):
        assert t.dtype == torch.float32 and g.dtype == np.float64


def test_factories_differentiate_their_tensor_arguments(backend):
    """torch's factories take numbers (or 0-d tensors read as numbers); gpuad's linspace,
    logspace, full, full_like and fill_ differentiate a Tensor argument: checked against
    central differences (the value at the centre against torch's)."""
    rng = np.random.default_rng(3)
    cases = {
        "linspace": (lambda a, b: gnp.linspace(a, b, 5), lambda a, b: torch.linspace(a, b, 5)),
        "linspace_no_endpoint": (lambda a, b: gnp.linspace(a, b, 4, endpoint=False),
                                 lambda a, b: torch.linspace(a, b, 5)[:4] * 0 + a + (b - a) *
                                 torch.arange(4) / 4),
        "logspace": (lambda a, b: gnp.logspace(a, b, 4), lambda a, b: torch.logspace(a, b, 4)),
        "logspace_base2": (lambda a, b: gnp.logspace(a, b, 3, base=2.0),
                           lambda a, b: torch.logspace(a, b, 3, base=2.0)),
        "full": (lambda a, b: gnp.full((2, 2), a) * b, lambda a, b: torch.full((2, 2), a) * b),
        "full_like": (lambda a, b: gnp.full_like(ad.tensor(np.zeros(3)), a) + b,
                      lambda a, b: torch.full_like(torch.zeros(3), a) + b),
        "fill_": (lambda a, b: (b * 1.0).reshape(1).tile(3).fill_(a) * b,
                  lambda a, b: (b * 1.0).reshape(1).tile(3).fill_(a) * b),
    }
    a0, b0 = 0.3, 1.7
    for name, (g, t) in cases.items():
        want = _torch_f64(lambda t=t: t(torch.tensor(a0), torch.tensor(b0)))
        c = rng.standard_normal(tuple(want.shape))
        a, b = ad.tensor(a0, requires_grad=True), ad.tensor(b0, requires_grad=True)
        out = g(a, b)
        np.testing.assert_allclose(_host(out), _host(want), rtol=1e-12, atol=1e-12,
                                   err_msg=name)
        gnp.sum(out * ad.get_backend().asarray(c)).backward()
        eps = 1e-6
        for k, x in enumerate((a, b)):
            def at(d, k=k):
                args = [a0, b0]
                args[k] += d
                with ad.no_grad():
                    return float(_host(gnp.sum(g(*[ad.tensor(v) for v in args]) *
                                               ad.get_backend().asarray(c))))
            fd = (at(eps) - at(-eps)) / (2 * eps)
            got = 0.0 if x.grad is None else float(_host(x.grad))
            assert abs(got - fd) <= 1e-6 * (1 + abs(fd)), f"{name}: d/d{'ab'[k]} {got}, {fd}"
