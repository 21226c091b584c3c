"""More of torch.nn: activations, losses, padding, shuffles, distances, dropout variants,
containers, in-place initialisers and flat parameter vectors.

Values and gradients are compared with torch in float64 on inputs that hit the kinks (the
derivative there must be torch's choice), a few are checked against central differences to
second order, and the containers are trained eagerly and under ``gpuad.jit``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.nn import functional as F
from gpuad.testing import check_grads

torch = pytest.importorskip("torch")
TF = torch.nn.functional

R = np.random.default_rng(7)


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _kinky(shape, kinks, scale=3.0):
    """Normal draws with the first entries set to the kink points."""
    a = R.standard_normal(shape) * scale
    a.reshape(-1)[: len(kinks)] = kinks
    return a


X = _kinky((3, 5), [0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 0.5, -0.5, 20.0, 21.0])
X4 = R.standard_normal((2, 3, 4, 5))
Y = R.standard_normal((3, 5))
P = 1.0 / (1.0 + np.exp(-Y))  # probabilities
T01 = (R.random((3, 5)) > 0.5).astype(float)
PM1 = np.where(R.random((3, 5)) > 0.5, 1.0, -1.0)
LOGQ = Y - np.log(np.exp(Y).sum(1, keepdims=True))
LOGP = X - np.log(np.exp(X).sum(1, keepdims=True))
W5 = R.random(5) + 0.5
A, B, C = (R.standard_normal((4, 3)) for _ in range(3))
B[1] = A[1]  # a zero difference: the norms' derivative at 0
V1 = R.standard_normal(6)
V2 = V1 + np.array([1.0, 0.0, -1.0, 2.0, 0.5, -0.5])  # margin ranking on its kink
PM6 = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
HX = np.array([0.5, 1.0, 2.0, 1.0, -0.3, 0.0])  # hinge: margin - x == 0 at x == 1
LAB = np.array([0, 4, 2])
XM = np.array([[0.0, 1.0, 0.5, -0.2, 1.0]])  # multi-margin: z == 0 at class 0 and 4
VAR = np.abs(Y) + 0.1
VAR[0, 0] = 1e-9  # below eps: clamped, the derivative passed through
CNT = np.floor(np.abs(Y) * 3)

# (id, gpuad function, torch function, arguments, indices of the differentiated ones)
CASES = [
    ("elu", lambda x: F.elu(x, 0.7), lambda x: TF.elu(x, 0.7), (X,), (0,)),
    ("selu", F.selu, TF.selu, (X,), (0,)),
    ("celu", lambda x: F.celu(x, 2.0), lambda x: TF.celu(x, 2.0), (X,), (0,)),
    (
        "hardtanh",
        lambda x: F.hardtanh(x, -1.0, 3.0),
        lambda x: TF.hardtanh(x, -1.0, 3.0),
        (X,),
        (0,),
    ),
    ("relu6", F.relu6, TF.relu6, (X,), (0,)),
    ("softsign", F.softsign, TF.softsign, (X,), (0,)),
    ("softplus", F.softplus, TF.softplus, (X,), (0,)),
    (
        "softplus_beta",
        lambda x: F.softplus(x, 2.0, 6.0),
        lambda x: TF.softplus(x, 2.0, 6.0),
        (X,),
        (0,),
    ),
    ("mish", F.mish, TF.mish, (X,), (0,)),
    ("hardswish", F.hardswish, TF.hardswish, (X,), (0,)),
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid, (X,), (0,)),
    ("logsigmoid", F.logsigmoid, TF.logsigmoid, (X,), (0,)),
    ("glu", lambda x: F.glu(x, 0), lambda x: TF.glu(x, 0), (X4[:, :2],), (0,)),
    ("softmin", lambda x: F.softmin(x, dim=0), lambda x: TF.softmin(x, dim=0), (X,), (0,)),
    ("softmax_dim", lambda x: F.softmax(x, dim=1), lambda x: TF.softmax(x, dim=1), (X4,), (0,)),
    ("log_softmax_dim", lambda x: F.log_softmax(x, 0), lambda x: TF.log_softmax(x, 0), (X4,), (0,)),
    (
        "threshold",
        lambda x: F.threshold(x, 1.0, -2.0),
        lambda x: TF.threshold(x, 1.0, -2.0),
        (X,),
        (0,),
    ),
    ("tanhshrink", F.tanhshrink, TF.tanhshrink, (X,), (0,)),
    ("softshrink", F.softshrink, TF.softshrink, (X,), (0,)),
    ("hardshrink", lambda x: F.hardshrink(x, 1.0), lambda x: TF.hardshrink(x, 1.0), (X,), (0,)),
    (
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: TF.gelu(x, approximate="tanh"),
        (X,),
        (0,),
    ),
    ("prelu", F.prelu, TF.prelu, (X4, R.standard_normal(3)), (0, 1)),
    ("prelu_one", F.prelu, TF.prelu, (X, np.array([0.3])), (0, 1)),
    # losses (targets constant where torch has no derivative for them)
    (
        "l1",
        lambda a, b: F.l1_loss(a, b, reduction="sum"),
        lambda a, b: TF.l1_loss(a, b, reduction="sum"),
        (X, np.round(X)),
        (0, 1),
    ),
    (
        "l1_weight",
        lambda a, b, w: F.l1_loss(a, b, weight=w),
        lambda a, b, w: TF.l1_loss(a, b, weight=w),
        (X, Y, P),
        (0, 1, 2),
    ),
    (
        "huber",
        lambda a, b: F.huber_loss(a, b, "none", 0.5),
        lambda a, b: TF.huber_loss(a, b, "none", 0.5),
        (X, X + 0.5 * np.sign(Y)),
        (0, 1),
    ),
    (
        "huber_weight",
        lambda a, b, w: F.huber_loss(a, b, weight=w),
        lambda a, b, w: TF.huber_loss(a, b, weight=w),
        (X, Y, P),
        (0, 1, 2),
    ),
    (
        "smooth_l1",
        lambda a, b: F.smooth_l1_loss(a, b, "sum", 0.5),
        lambda a, b: TF.smooth_l1_loss(a, b, reduction="sum", beta=0.5),
        (X, Y),
        (0, 1),
    ),
    (
        "mse_none",
        lambda a, b: F.mse_loss(a, b, reduction="none"),
        lambda a, b: TF.mse_loss(a, b, reduction="none"),
        (X, Y),
        (0, 1),
    ),
    (
        "kl_div",
        lambda a, b: F.kl_div(a, b, "batchmean"),
        lambda a, b: TF.kl_div(a, b, reduction="batchmean"),
        (LOGQ, np.exp(LOGP)),
        (0, 1),
    ),
    (
        "kl_div_log",
        lambda a, b: F.kl_div(a, b, "sum", log_target=True),
        lambda a, b: TF.kl_div(a, b, reduction="sum", log_target=True),
        (LOGQ, LOGP),
        (0, 1),
    ),
    ("bce", F.binary_cross_entropy, TF.binary_cross_entropy, (P, T01), (0, 1)),
    (
        "bce_weight",
        lambda a, b, w: F.binary_cross_entropy(a, b, w, reduction="none"),
        # torch's own broadcast of the weight imports sympy (seconds): expanded here
        lambda a, b, w: torch._C._nn.binary_cross_entropy(a, b, w.expand(a.shape), 0),
        (P, P[::-1], W5),
        (0, 1),
    ),
    ("poisson", F.poisson_nll_loss, TF.poisson_nll_loss, (Y, CNT), (0, 1)),
    (
        "poisson_full",
        lambda a, b: F.poisson_nll_loss(a, b, False, True, reduction="sum"),
        lambda a, b: TF.poisson_nll_loss(a, b, False, True, reduction="sum"),
        (P, CNT),
        (0,),
    ),
    ("gaussian", F.gaussian_nll_loss, TF.gaussian_nll_loss, (X, Y, VAR), (0, 1, 2)),
    (
        "gaussian_last_axis",
        lambda a, b, v: F.gaussian_nll_loss(a, b, v, True, reduction="none"),
        lambda a, b, v: TF.gaussian_nll_loss(a, b, v, True, reduction="none"),
        (X, Y, VAR[:, 0]),
        (0, 1, 2),
    ),
    ("gaussian_one_axis", F.gaussian_nll_loss, TF.gaussian_nll_loss, (X, Y, VAR[:, :1]), (0, 1, 2)),
    (
        "margin_ranking",
        lambda a, b, t: F.margin_ranking_loss(a, b, t, 1.0),
        lambda a, b, t: TF.margin_ranking_loss(a, b, t, 1.0),
        (V1, V2, PM6),
        (0, 1),
    ),
    ("hinge_embedding", F.hinge_embedding_loss, TF.hinge_embedding_loss, (HX, PM6), (0,)),
    ("soft_margin", F.soft_margin_loss, TF.soft_margin_loss, (X, PM1), (0,)),
    (
        "cosine_embedding",
        lambda a, b, t: F.cosine_embedding_loss(a, b, t, 0.1),
        lambda a, b, t: TF.cosine_embedding_loss(a, b, t, 0.1),
        (A, C, PM6[:4]),
        (0, 1),
    ),
    ("triplet", F.triplet_margin_loss, TF.triplet_margin_loss, (A, B, C), (0, 1, 2)),
    (
        "triplet_p1_swap",
        lambda a, b, c: F.triplet_margin_loss(a, b, c, 0.5, 1, swap=True),
        lambda a, b, c: TF.triplet_margin_loss(a, b, c, 0.5, 1, swap=True),
        (A, B, C),
        (0, 1, 2),
    ),
    (
        "multi_margin",
        lambda a, w: F.multi_margin_loss(a, LAB, 2, 0.8, w),
        lambda a, w: TF.multi_margin_loss(a, torch.tensor(LAB), 2, 0.8, w),
        (X, W5),
        (0,),
    ),
    (
        "multi_margin_kink",
        lambda a: F.multi_margin_loss(a, np.array([1]), reduction="none"),
        lambda a: TF.multi_margin_loss(a, torch.tensor([1]), reduction="none"),
        (XM,),
        (0,),
    ),
    (
        "multilabel_soft_margin",
        lambda a, b, w: F.multilabel_soft_margin_loss(a, b, w, "sum"),
        lambda a, b, w: TF.multilabel_soft_margin_loss(a, b, w, reduction="sum"),
        (X, T01, W5),
        (0,),
    ),
    # padding, shuffles, distances, bilinear
    (
        "pad_constant",
        lambda x: F.pad(x, (-1, 2, 1, -2), value=3.0),
        lambda x: TF.pad(x, (-1, 2, 1, -2), value=3.0),
        (X4,),
        (0,),
    ),
    (
        "pad_reflect",
        lambda x: F.pad(x, (1, 3, 2, 0), "reflect"),
        lambda x: TF.pad(x, (1, 3, 2, 0), "reflect"),
        (X4,),
        (0,),
    ),
    (
        "pad_replicate",
        lambda x: F.pad(x, (2, 1, 0, 3, 1, 1), "replicate"),
        lambda x: TF.pad(x, (2, 1, 0, 3, 1, 1), "replicate"),
        (X4,),
        (0,),
    ),
    (
        "pad_circular",
        lambda x: F.pad(x, (5, 2), "circular"),
        lambda x: TF.pad(x, (5, 2), "circular"),
        (X4[0],),
        (0,),
    ),
    (
        "pixel_shuffle",
        lambda x: F.pixel_shuffle(x, 2),
        lambda x: TF.pixel_shuffle(x, 2),
        (R.standard_normal((2, 8, 3, 2)),),
        (0,),
    ),
    (
        "pixel_unshuffle",
        lambda x: F.pixel_unshuffle(x, 2),
        lambda x: TF.pixel_unshuffle(x, 2),
        (R.standard_normal((3, 2, 4, 6)),),
        (0,),
    ),
    ("normalize", lambda x: F.normalize(x, 3.0, 1), lambda x: TF.normalize(x, 3.0, 1), (X4,), (0,)),
    ("normalize_zero", F.normalize, TF.normalize, (np.vstack([np.zeros(5), Y]),), (0,)),
    (
        "cosine_similarity",
        lambda a, b: F.cosine_similarity(a, b, dim=-1),
        lambda a, b: TF.cosine_similarity(a, b, dim=-1),
        (X4, X4[0, 0, 0] * 1e-9),
        (0, 1),
    ),
    ("pairwise_distance", F.pairwise_distance, TF.pairwise_distance, (A, B), (0, 1)),
    (
        "pairwise_distance_inf",
        lambda a, b: F.pairwise_distance(a, b, math.inf, keepdim=True),
        lambda a, b: TF.pairwise_distance(a, b, math.inf, keepdim=True),
        (A, B),
        (0, 1),
    ),
    (
        "bilinear",
        F.bilinear,
        TF.bilinear,
        (A, R.standard_normal((4, 2)), R.standard_normal((5, 3, 2)), R.standard_normal(5)),
        (0, 1, 2, 3),
    ),
]


def _run_gpuad(fn, args, diff, u):
    ins = [
        ad.tensor(xp_(a), requires_grad=True) if i in diff else xp_(a) for i, a in enumerate(args)
    ]
    out = fn(*ins)
    gnp.sum(out * xp_(u)).backward()
    return to_numpy(out), [to_numpy(ins[i].grad) for i in diff]


def _run_torch(fn, args, diff, u):
    ins = [
        torch.tensor(np.ascontiguousarray(a), requires_grad=i in diff) for i, a in enumerate(args)
    ]
    out = fn(*ins)
    (out * torch.tensor(u)).sum().backward()
    return out.detach().numpy(), [ins[i].grad.numpy() for i in diff]


@pytest.mark.filterwarnings("ignore:reduction")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(backend, case):
    name, gfn, tfn, args, diff = case
    u = _cot(tfn, args)
    got, got_g = _run_gpuad(gfn, args, diff, u)
    want, want_g = _run_torch(tfn, args, diff, u)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # torch's hardsigmoid multiplies by a float32 1/6 (5e-9 off) in its float64 backward
    atol = 1e-8 if name == "hardsigmoid" else 1e-12
    for g, w in zip(got_g, want_g, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=atol)


def _cot(tfn, args):
    shape = tfn(*[torch.tensor(np.ascontiguousarray(a)) for a in args]).shape
    return np.random.default_rng(len(shape)).standard_normal(tuple(shape))


# ---- central differences, second order, forward and reverse -----------------------------------

SMOOTH = {  # away from the kinks (tests/diff_specs/nn_more.py checks each function alone)
    "activations": lambda x: F.elu(x, 0.7) * F.mish(x) + F.hardswish(x) + F.softplus(x, 2.0, 3.0),
    "losses": lambda x: (
        F.huber_loss(x, x[::-1] * 0.3, delta=0.5)
        + F.kl_div(F.log_softmax(x, dim=0), F.softmax(x[::-1], dim=0), "batchmean")
        + F.gaussian_nll_loss(x, x * 0.5, x * x + 0.5)
        + F.triplet_margin_loss(x[None], x[None] * 0.1, x[None] * 0.9, margin=2.0)
        + F.binary_cross_entropy(F.sigmoid(x), F.sigmoid(x[::-1]))
    ),
}
XS = np.array([0.7, -1.3, 2.2, -0.4, 1.1, -2.6])


@pytest.mark.parametrize("name", SMOOTH)
def test_central_differences_second_order(backend, name):
    check_grads(SMOOTH[name], (XS,), order=2)


# ---- under vmap and jit: the masks follow the values ------------------------------------------


def _kinked(x):
    return gnp.sum(
        F.hardswish(x) + F.hardtanh(x, -1.0, 2.0) + F.softshrink(x, 0.5) + F.threshold(x, 0.2, -1.0)
    ) + F.huber_loss(x, gnp.zeros_like(x), delta=1.5)


def test_vmap_and_jit_follow_each_example(backend):
    xs = np.array([[-3.5, -1.0, 0.1, 2.5], [4.0, 0.3, -0.6, 1.9], [-2.0, 2.0, 0.5, 3.0]])
    rows = np.stack([to_numpy(ad.grad(_kinked)(xp_(r))) for r in xs])
    np.testing.assert_allclose(to_numpy(ad.vmap(ad.grad(_kinked))(xp_(xs))), rows, rtol=1e-14)
    compiled = ad.jit(ad.grad(_kinked))
    for r, want in zip(xs, rows, strict=True):  # traced on the first row, replayed on the others
        np.testing.assert_allclose(to_numpy(compiled(xp_(r))), want, rtol=1e-14)
    t = torch.tensor(xs[2], requires_grad=True)
    (
        TF.hardswish(t)
        + TF.hardtanh(t, -1.0, 2.0)
        + TF.softshrink(t, 0.5)
        + TF.threshold(t, 0.2, -1.0)
    ).sum().add(TF.huber_loss(t, torch.zeros(4, dtype=torch.float64), delta=1.5)).backward()
    np.testing.assert_allclose(rows[2], t.grad.numpy(), rtol=1e-14)


LOSSES_PER_EXAMPLE = {  # one example (4, 5) each; the labels and targets are constants
    "multi_margin": lambda x: F.multi_margin_loss(x, np.array([0, 4, 2, 1]), p=2),
    "gaussian_nll": lambda x: F.gaussian_nll_loss(x, x * 0.3, x * x + 1e-8),
    "triplet_swap": lambda x: F.triplet_margin_loss(x, x * 0.5, x[::-1], swap=True),
    "bce_cosine_pad": lambda x: (
        F.binary_cross_entropy(F.sigmoid(x), F.sigmoid(x[::-1]))
        + gnp.sum(F.cosine_similarity(x, x[::-1] + 1, dim=1))
        + gnp.sum(F.pad(x[None], (1, 2), "reflect") ** 2)
    ),
}


def test_losses_under_vmap_and_jit_equal_a_loop(backend):
    xs = R.standard_normal((2, 4, 5))
    for name, f in LOSSES_PER_EXAMPLE.items():
        g = ad.grad(f)
        rows = np.stack([to_numpy(g(xp_(x))) for x in xs])
        np.testing.assert_allclose(to_numpy(ad.vmap(g)(xp_(xs))), rows, rtol=1e-12, err_msg=name)
        compiled = ad.jit(g)
        for x, want in zip(xs, rows, strict=True):
            np.testing.assert_allclose(to_numpy(compiled(xp_(x))), want, rtol=1e-12, err_msg=name)


# ---- errors -----------------------------------------------------------------------------------


def test_errors_name_the_problem(backend):
    x = ad.tensor(xp_(X4), requires_grad=True)
    cases = [
        (lambda: F.pad(x, (1, 2, 3)), ValueError, "pairs"),
        (lambda: F.pad(x, (4, 0), "reflect"), NotImplementedError, "last 1, 2 or 3 axes"),
        (lambda: F.pad(x, (5, 0, 0, 0), "reflect"), ValueError, "below the size"),
        (lambda: F.pad(x, (6, 0, 0, 0), "circular"), ValueError, "more than once"),
        (lambda: F.pad(x, (-1, 0, 0, 0), "replicate"), ValueError, "negative"),
        (lambda: F.pad(x, (-6, 0)), ValueError, "negative size"),
        (lambda: F.pad(x, (1, 1), "edge"), ValueError, "mode must be"),
        (lambda: F.glu(x, 1), ValueError, "even"),
        (lambda: F.elu(x, inplace=True), RuntimeError, r"elu\(inplace=True\).*leaf"),
        (lambda: nn.ReLU6(inplace=True)(x), RuntimeError, r"relu6\(inplace=True\).*leaf"),
        (lambda: F.hardtanh(x, 1.0, -1.0), ValueError, "max_val"),
        (lambda: F.softshrink(x, -0.1), ValueError, "lambd"),
        (lambda: F.gelu(x, approximate="erf"), ValueError, "approximate"),
        (lambda: F.prelu(x, gnp.ones(4)), ValueError, "channels"),
        (lambda: F.l1_loss(x, x[0]), ValueError, "target has shape"),
        (lambda: F.l1_loss(x, x, reduction="avg"), ValueError, "reduction"),
        (lambda: F.kl_div(x, x, "batchsum"), ValueError, "batchmean"),
        (lambda: F.binary_cross_entropy(x, x), ValueError, r"lie in \[0, 1\]"),
        (lambda: F.gaussian_nll_loss(x, x, -x * x), ValueError, "negative"),
        (lambda: F.gaussian_nll_loss(x, x, gnp.ones((2, 2))), ValueError, "does not fit"),
        (
            lambda: F.triplet_margin_loss(x[0, 0], x[0, 0], x[0, 0], margin=0.0),
            ValueError,
            "margin",
        ),
        (
            lambda: F.multi_margin_loss(x[0, 0], xp_(np.array([0, 5, 1, 2]))),
            IndexError,
            "first being 5",
        ),
        (lambda: F.multi_margin_loss(x[0, 0], xp_(np.zeros(4)), 3), ValueError, "p must"),
        (lambda: F.one_hot(xp_(np.array([0, 3])), 3), ValueError, "first being 3"),
        (lambda: F.one_hot(xp_(np.array([-1, 0]))), ValueError, "first being -1"),
        (lambda: F.one_hot(xp_(np.zeros(0, np.int64))), ValueError, "empty"),
        (lambda: F.one_hot(xp_(np.zeros(2))), TypeError, "integer"),
        (lambda: F.pixel_shuffle(x, 3), ValueError, "pixel_shuffle"),
        (lambda: F.dropout2d(x[0, 0, 0], 0.5), ValueError, "spatial"),
        (lambda: F.bilinear(x[0], x[0], gnp.ones((2, 4, 4))), ValueError, "bilinear"),
        (lambda: nn.L1Loss(size_average=True), TypeError, "deprecated"),
    ]
    for fn, err, msg in cases:
        with pytest.raises(err, match=msg):
            fn()
    assert x.grad is None


# ---- modules ----------------------------------------------------------------------------------

MODULES = [  # (gpuad module, torch module, input)
    (nn.ELU(0.5), torch.nn.ELU(0.5), X),
    (nn.SELU(), torch.nn.SELU(), X),
    (nn.CELU(2.0), torch.nn.CELU(2.0), X),
    (nn.Hardtanh(-2, 2), torch.nn.Hardtanh(-2, 2), X),
    (nn.ReLU6(), torch.nn.ReLU6(), X),
    (nn.Softsign(), torch.nn.Softsign(), X),
    (nn.Softplus(2.0, 5.0), torch.nn.Softplus(2.0, 5.0), X),
    (nn.Mish(), torch.nn.Mish(), X),
    (nn.Hardswish(), torch.nn.Hardswish(), X),
    (nn.Hardsigmoid(), torch.nn.Hardsigmoid(), X),
    (nn.LogSigmoid(), torch.nn.LogSigmoid(), X),
    (nn.GLU(0), torch.nn.GLU(0), X4),
    (nn.Softmin(1), torch.nn.Softmin(1), X),
    (nn.Softmax(0), torch.nn.Softmax(0), X),
    (nn.LogSoftmax(1), torch.nn.LogSoftmax(1), X),
    (nn.Threshold(0.1, 2.0), torch.nn.Threshold(0.1, 2.0), X),
    (nn.Tanhshrink(), torch.nn.Tanhshrink(), X),
    (nn.Softshrink(1.0), torch.nn.Softshrink(1.0), X),
    (nn.Hardshrink(), torch.nn.Hardshrink(), X),
    (nn.GELU("tanh"), torch.nn.GELU("tanh"), X),
    (nn.Identity(3, k=1), torch.nn.Identity(3, k=1), X),
    (nn.PixelShuffle(2), torch.nn.PixelShuffle(2), X4.reshape(2, 4, 3, 5)),
    (nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), X4[:, :, :, :4]),
    (nn.ZeroPad2d((1, 0, 2, 1)), torch.nn.ZeroPad2d((1, 0, 2, 1)), X4),
    (nn.ConstantPad1d(2, 1.5), torch.nn.ConstantPad1d(2, 1.5), X4),
    (nn.ReflectionPad2d(1), torch.nn.ReflectionPad2d(1), X4),
    (nn.ReplicationPad3d((1, 0, 0, 2, 1, 1)), torch.nn.ReplicationPad3d((1, 0, 0, 2, 1, 1)), X4),
    (nn.CircularPad1d((1, 2)), torch.nn.CircularPad1d((1, 2)), X4[0]),
    (nn.Dropout2d(0.5).eval(), torch.nn.Dropout2d(0.5).eval(), X4),
    (nn.AlphaDropout(0.5).eval(), torch.nn.AlphaDropout(0.5).eval(), X4),
]
LOSS_MODULES = [  # (gpuad module, torch module, inputs)
    (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"), (X, Y)),
    (nn.HuberLoss("none", 0.5), torch.nn.HuberLoss("none", 0.5), (X, Y)),
    (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), (X, Y)),
    (
        nn.KLDivLoss(reduction="batchmean", log_target=True),
        torch.nn.KLDivLoss(reduction="batchmean", log_target=True),
        (LOGQ, LOGP),
    ),
    (nn.BCELoss(), torch.nn.BCELoss(), (P, T01)),
    (nn.PoissonNLLLoss(log_input=False), torch.nn.PoissonNLLLoss(log_input=False), (P, CNT)),
    (nn.GaussianNLLLoss(full=True), torch.nn.GaussianNLLLoss(full=True), (X, Y, VAR)),
    (nn.MarginRankingLoss(0.5), torch.nn.MarginRankingLoss(0.5), (V1, V2, PM6)),
    (nn.HingeEmbeddingLoss(2.0), torch.nn.HingeEmbeddingLoss(2.0), (HX, PM6)),
    (nn.SoftMarginLoss(), torch.nn.SoftMarginLoss(), (X, PM1)),
    (nn.CosineEmbeddingLoss(0.2), torch.nn.CosineEmbeddingLoss(0.2), (A, C, PM6[:4])),
    (nn.TripletMarginLoss(0.5, 1.0), torch.nn.TripletMarginLoss(0.5, 1.0), (A, B, C)),
    (nn.MultiLabelSoftMarginLoss(), torch.nn.MultiLabelSoftMarginLoss(), (X, T01)),
    (nn.CosineSimilarity(0), torch.nn.CosineSimilarity(0), (A, C)),
    (nn.PairwiseDistance(1.0), torch.nn.PairwiseDistance(1.0), (A, C)),
]


def test_modules_match_torch(backend):
    for m, tm, x in MODULES:
        np.testing.assert_allclose(
            to_numpy(m(xp_(x))),
            tm(torch.tensor(x)).numpy(),
            rtol=1e-12,
            atol=1e-14,
            err_msg=repr(m),
        )
    for m, tm, xs in LOSS_MODULES:
        np.testing.assert_allclose(
            to_numpy(m(*map(xp_, xs))),
            tm(*map(torch.tensor, xs)).numpy(),
            rtol=1e-12,
            err_msg=repr(m),
        )
    lab = np.array([1, 0, 4])
    for m, tm in (
        (
            nn.MultiMarginLoss(2, weight=xp_(W5)),
            torch.nn.MultiMarginLoss(2, weight=torch.tensor(W5)),
        ),
        (nn.NLLLoss(ignore_index=0), torch.nn.NLLLoss(ignore_index=0)),
    ):
        np.testing.assert_allclose(
            to_numpy(m(xp_(LOGP), xp_(lab))),
            tm(torch.tensor(LOGP), torch.tensor(lab)).numpy(),
            rtol=1e-12,
        )


def test_learnable_layers_train_as_torch(backend):
    prelu, tprelu = nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1).double()
    bil, tbil = nn.Bilinear(3, 2, 4), torch.nn.Bilinear(3, 2, 4).double()
    with torch.no_grad():  # torch made them in float32
        tprelu.weight.copy_(torch.tensor(to_numpy(prelu.weight)))
        tbil.weight.copy_(torch.tensor(to_numpy(bil.weight)))
        tbil.bias.copy_(torch.tensor(to_numpy(bil.bias)))
    x2 = R.standard_normal((2, 2))
    gnp.sum(prelu(xp_(X4)) ** 2).backward()
    (tprelu(torch.tensor(X4)) ** 2).sum().backward()
    gnp.sum(bil(xp_(X4[0, 0, :2, :3]), xp_(x2)) ** 2).backward()
    (tbil(torch.tensor(X4[0, 0, :2, :3]), torch.tensor(x2)) ** 2).sum().backward()
    for p, tp in ((prelu.weight, tprelu.weight), (bil.weight, tbil.weight), (bil.bias, tbil.bias)):
        np.testing.assert_allclose(to_numpy(p.grad), tp.grad.numpy(), rtol=1e-11)
    assert [n for n, _ in bil.named_parameters()] == ["weight", "bias"]


def test_softmax_module_without_dim_takes_torch_implicit_choice(backend):
    with pytest.warns(UserWarning, match="implicit"):
        got = nn.Softmax()(xp_(X4[0]))  # 3-d: axis 0, as torch
    with pytest.warns(UserWarning):
        want = torch.nn.Softmax()(torch.tensor(X4[0]))
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-13)


def test_one_hot_and_channel_dropout(backend):
    lab = np.array([[0, 3], [2, 1]])
    for n in (-1, 6):
        got = F.one_hot(xp_(lab), n)
        assert str(got.dtype) == "int64"
        np.testing.assert_array_equal(to_numpy(got), TF.one_hot(torch.tensor(lab), n).numpy())
    gnp.random.seed(0)
    x = ad.tensor(xp_(np.ones((4, 50, 2, 3))), requires_grad=True)
    y = F.dropout2d(x, 0.4)
    y.sum().backward()
    planes = to_numpy(y).reshape(200, 6)
    assert set(np.unique(planes.std(1))) == {0.0}  # whole planes kept or dropped
    np.testing.assert_allclose(np.unique(planes), [0.0, 1 / 0.6])
    np.testing.assert_allclose(to_numpy(x.grad), to_numpy(y))  # the mask is the derivative
    assert 0.25 < np.mean(planes[:, 0] == 0) < 0.55
    z = to_numpy(F.alpha_dropout(xp_(R.standard_normal(40000)), 0.3, training=True))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1.0) < 0.03  # mean 0, variance 1 kept
    f = to_numpy(F.feature_alpha_dropout(xp_(np.zeros((2, 30, 4))), 0.5, training=True))
    assert (f.std(-1) == 0).all()
    assert F.dropout1d(x[0, :, :, 0], 0.5, training=False) is not None


# ---- containers -------------------------------------------------------------------------------


class Net(nn.Module):
    def __init__(self):
        self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])
        self.heads = nn.ModuleDict({"a": nn.Linear(3, 2), "b": nn.Linear(3, 1)})
        self.scales = nn.ParameterList([gnp.ones((3,)), gnp.full((3,), 0.5)])
        self.shifts = nn.ParameterDict({"u": gnp.zeros((2,))})

    def forward(self, x):
        for blk, s in zip(self.blocks, self.scales, strict=True):
            x = F.elu(blk(x)) * s
        return self.heads["a"](x) + self.shifts["u"] + self.heads["b"](x)


class TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(3, 3) for _ in range(2)])
        self.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(3, 2), "b": torch.nn.Linear(3, 1)})
        self.scales = torch.nn.ParameterList([torch.ones(3), torch.full((3,), 0.5)])
        self.shifts = torch.nn.ParameterDict({"u": torch.zeros(2)})

    def forward(self, x):
        for blk, s in zip(self.blocks, self.scales, strict=True):
            x = TF.elu(blk(x)) * s
        return self.heads["a"](x) + self.shifts["u"] + self.heads["b"](x)


def test_containers_name_parameters_as_torch_and_train_under_jit(backend):
    x = R.standard_normal((5, 3))
    gnp.random.seed(5)
    nets = [Net() for _ in range(2)]
    for n in nets[1:]:
        n.load_state_dict(nets[0].state_dict())
    tnet = TNet().double()
    assert list(nets[0].state_dict()) == list(tnet.state_dict())  # blocks.0.weight, heads.a...
    tnet.load_state_dict({k: torch.tensor(to_numpy(v)) for k, v in nets[0].state_dict().items()})
    opts = [optim.SGD(n.parameters(), lr=0.1) for n in nets]

    def step(net, opt):
        def f(x):
            opt.zero_grad()
            loss = gnp.sum(net(x) ** 2)
            loss.backward()
            opt.step()
            return loss

        return f

    eager, compiled = step(nets[0], opts[0]), ad.jit(step(nets[1], opts[1]))
    for _ in range(2):
        tnet.zero_grad()
        tl = (tnet(torch.tensor(x)) ** 2).sum()
        tl.backward()
        with torch.no_grad():  # SGD by hand: importing torch.optim takes seconds
            for p in tnet.parameters():
                p -= 0.1 * p.grad
        for f in (eager, compiled):
            np.testing.assert_allclose(float(f(xp_(x))), tl.item(), rtol=1e-11)
    for n in nets:
        for (k, v), tv in zip(n.state_dict().items(), tnet.state_dict().values(), strict=True):
            np.testing.assert_allclose(to_numpy(v), tv.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    # functional_call swaps the weights by these names; nets[1] takes the same ones for good
    params = {k: v.detach() * 2.0 for k, v in nets[0].named_parameters()}
    got = to_numpy(nn.functional_call(nets[0], params, (xp_(x),)))
    nets[1].load_state_dict({k: v.data for k, v in params.items()})
    np.testing.assert_allclose(got, to_numpy(nets[1](xp_(x))), rtol=1e-12)


def test_container_operations(backend):
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Tanh()])
    ml.append(nn.Linear(2, 1)).insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "Tanh", "Linear"]
    assert len(ml) == 4 and isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    del ml[0]
    ml[-1] = nn.Linear(2, 3)
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert ml.pop(1).__class__.__name__ == "Tanh" and len(ml) == 2
    with pytest.raises(TypeError, match="Modules"):
        ml.append(F.relu)
    with pytest.raises(IndexError, match="out of range"):
        ml[5]
    md = nn.ModuleDict([("enc", nn.Linear(2, 2))])
    md["dec"] = nn.Linear(2, 2)
    md.update({"enc": nn.Identity()})  # replaces, keeps the order
    assert list(md) == ["enc", "dec"] and "dec" in md and len(md) == 2
    assert [n for n, _ in md.named_parameters()] == ["dec.weight", "dec.bias"]
    for key, err in (("a.b", KeyError), ("forward", KeyError), ("", KeyError), (3, TypeError)):
        with pytest.raises(err):
            md[key] = nn.Identity()
    md.train(False)
    assert md.keys() == ["enc", "dec"] and not md["dec"].training
    w = ad.tensor(xp_(np.ones(2)), requires_grad=True)
    pl = nn.ParameterList([w, xp_(np.zeros(3))])
    assert pl[0] is w and isinstance(pl[1], nn.Parameter) and len(pl.parameters()) == 2
    pd = nn.ParameterDict({"a": xp_(np.ones(1))})
    pd["b"] = gnp.zeros(2)
    assert list(pd.state_dict()) == ["a", "b"] and pd.pop("a").shape == (1,)
    with pytest.raises(TypeError, match="Tensors or arrays"):
        pd["c"] = "x"


# ---- initialisers and flat parameter vectors --------------------------------------------------


def test_inplace_initialisers(backend):
    gnp.random.seed(3)
    w = nn.Parameter(gnp.zeros((200, 150)))
    loss = gnp.sum(w * w)
    v0 = w._version
    assert nn.init.kaiming_uniform_(w, a=math.sqrt(5)) is w
    assert w._version > v0
    with pytest.raises(Exception, match="version"):
        loss.backward()  # recorded before the write
    bound = 1 / math.sqrt(150)
    a = to_numpy(w)
    assert a.max() <= bound and a.min() >= -bound and a.max() > 0.99 * bound
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(to_numpy(w).std() / math.sqrt(2 / 200) - 1) < 0.03
    nn.init.xavier_normal_(w, gain=2.0)
    assert abs(to_numpy(w).std() / (2 * math.sqrt(2 / 350)) - 1) < 0.03
    nn.init.xavier_uniform_(w)
    assert to_numpy(w).max() <= math.sqrt(6 / 350)
    nn.init.trunc_normal_(w, 1.0, 2.0, a=0.0, b=1.5)
    a = to_numpy(w)
    tt = torch.empty(200, 150, dtype=torch.float64)
    torch.manual_seed(0)
    torch.nn.init.trunc_normal_(tt, 1.0, 2.0, a=0.0, b=1.5)
    assert a.min() >= 0 and a.max() <= 1.5 and abs(a.mean() - tt.mean().item()) < 0.01
    q = nn.init.orthogonal_(nn.Parameter(gnp.zeros((3, 2, 4))), gain=2.0)
    m = to_numpy(q).reshape(3, 8)
    np.testing.assert_allclose(m @ m.T, 4 * np.eye(3), atol=1e-12)
    raw = xp_(np.zeros((2, 3)))
    assert nn.init.constant_(raw, 0.5) is raw and float(raw.sum()) == 3.0
    nn.init.eye_(raw)
    np.testing.assert_array_equal(to_numpy(raw), np.eye(2, 3))
    for f, want in ((nn.init.zeros_, 0.0), (nn.init.ones_, 1.0)):
        f(w)
        assert float(gnp.max(gnp.abs(w - want))) == 0.0
    for name, param in (
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
        ("conv2d", None),
    ):
        assert nn.init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.xavier_uniform_(gnp.zeros(3))
    with pytest.raises(NotImplementedError, match="seed"):
        nn.init.normal_(w, generator=object())


def test_parameters_to_vector_and_back(backend):
    lin = nn.Linear(3, 2)
    v = nn.utils.parameters_to_vector(lin.parameters())
    assert v.shape == (8,)
    gnp.sum(v * gnp.arange(8.0)).backward()  # differentiable, as torch's
    np.testing.assert_array_equal(to_numpy(lin.weight.grad).ravel(), np.arange(6.0))
    np.testing.assert_array_equal(to_numpy(lin.bias.grad), [6.0, 7.0])
    x = ad.tensor(xp_(np.ones((1, 3))), requires_grad=True)
    out = lin(x)
    nn.utils.vector_to_parameters(xp_(np.arange(8.0)), lin.parameters())
    np.testing.assert_array_equal(to_numpy(lin.weight), np.arange(6.0).reshape(2, 3))
    with pytest.raises(Exception, match="version"):  # x's gradient reads the old weight
        gnp.sum(out).backward()
    lin.zero_grad()
    out = lin(xp_(np.ones((1, 3))))  # the weight's gradient reads only the input: exact
    nn.utils.vector_to_parameters(xp_(np.zeros(8)), lin.parameters())
    gnp.sum(out).backward()
    np.testing.assert_array_equal(to_numpy(lin.weight.grad), np.ones((2, 3)))
    with pytest.raises(ValueError, match="9 entries but the parameters hold 8"):
        nn.utils.vector_to_parameters(xp_(np.zeros(9)), lin.parameters())
