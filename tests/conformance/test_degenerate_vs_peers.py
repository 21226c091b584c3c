"""Composite functions at degenerate and extreme inputs, against PyTorch and JAX.

Kinks (ties, zeros of norms, clamp bounds), undefined domains (all ``-inf`` rows, ``0 * log 0``,
singular matrices, poles) and saturation (``|x| = 1e3`` in the logistic losses, ``exp``
overflow) are where a silent NaN or a wrong subgradient hides. Each case is one scalar function
of one float64 array written twice: with torch's names (compared with torch through gpuad's
torch-style names: Tensor methods, ``gpuad.nn.functional``) and with JAX's (compared with JAX
through ``gpuad.numpy``, ``gpuad.jax_nn`` and ``gpuad.scipy``). Value, gradient, forward-mode
slope (along ones) and Hessian are compared, and where the function is smooth at the point,
also float64 central differences. ``python test_degenerate_vs_peers.py [CASE ...]`` prints
every difference not explained in DIFFERS, with all the answers.

gpuad's answer must equal its peer's, or be listed in DIFFERS with both peers' answers and the
reason gpuad's is kept (a convention of docs/semantics.md, or the exact value where a peer's
formula rounds to NaN).
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jax.config.update("jax_compilation_cache_dir",
                  os.path.join(tempfile.gettempdir(), "gpuad_degenerate_jax_cache"))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)

import jax.numpy as jnp  # noqa: E402
import jax.scipy.special as jss  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.jax_nn as gjnn  # noqa: E402
import gpuad.nn.functional as GF  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.special as gss  # noqa: E402

TF = torch.nn.functional
INF = math.inf
NAN = math.nan

# torch's names (torch itself, gpuad's torch-style counterparts)
TS = SimpleNamespace(F=TF, c=lambda a, **k: torch.tensor(np.asarray(a), **k), where=torch.where,
                     vnorm=torch.linalg.vector_norm, mnorm=torch.linalg.matrix_norm,
                     det=torch.linalg.det, slogdet=torch.linalg.slogdet, sp=torch.special,
                     long=torch.long, cat=torch.cat, cdist=torch.cdist)
GS = SimpleNamespace(F=GF, c=lambda a, **k: np.asarray(a), where=gnp.where,
                     vnorm=lambda x, ord=2: gnp.linalg.vector_norm(x, ord=ord),
                     mnorm=lambda x, ord="fro": gnp.linalg.matrix_norm(x, ord=ord),
                     det=gnp.linalg.det, slogdet=gnp.linalg.slogdet, sp=gss,
                     long=np.int64, cat=gnp.concatenate, cdist=GF.cdist)
# JAX's names (jax itself, gpuad.numpy / jax_nn / scipy)
JS = SimpleNamespace(np=jnp, nn=jax.nn, sp=jss)
GJ = SimpleNamespace(np=gnp, nn=gjnn, sp=gss)


def _lab(m, a):
    """Integer labels in torch's dtype (gpuad takes NumPy int64)."""
    return m.c(np.asarray(a, dtype=np.int64))


# name -> (x, torch-style f(m, x) or None, jax-style f(m, x) or None, smooth at x)
CASES: dict[str, tuple] = {}


def case(name, x, t=None, j=None, smooth=False):
    CASES[name] = (np.asarray(x, dtype=np.float64), t, j, smooth)


# --- cross entropy, nll, label smoothing ------------------------------------------------------
L3 = [[0.0, -INF, 1.0], [2.0, 0.5, -INF]]
case("cross_entropy_-inf_logit", L3,
     lambda m, x: m.F.cross_entropy(x, _lab(m, [0, 1])))
case("cross_entropy_-inf_logit_sum", L3,
     lambda m, x: m.F.cross_entropy(x, _lab(m, [2, 0]), reduction="sum"))
case("cross_entropy_ignore_all_mean", [[0.0, 1.0], [2.0, 3.0]],
     lambda m, x: m.F.cross_entropy(x, _lab(m, [-100, -100])))
case("cross_entropy_ignore_all_sum", [[0.0, 1.0], [2.0, 3.0]],
     lambda m, x: m.F.cross_entropy(x, _lab(m, [-100, -100]), reduction="sum"))
case("cross_entropy_ignore_some", [[0.0, 1.0], [2.0, 3.0]],
     lambda m, x: m.F.cross_entropy(x, _lab(m, [1, -100])), smooth=True)
case("cross_entropy_ignore_all_weighted", [[0.0, 1.0], [2.0, 3.0]],
     lambda m, x: m.F.cross_entropy(x, _lab(m, [-100, -100]), weight=m.c([1.0, 2.0])))
case("cross_entropy_smoothing_-inf", L3,
     lambda m, x: m.F.cross_entropy(x, _lab(m, [0, 1]), label_smoothing=0.1))
case("cross_entropy_probs_-inf", L3,
     lambda m, x: m.F.cross_entropy(x, m.c([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])))
case("nll_loss_log_softmax_-inf", L3,
     lambda m, x: m.F.nll_loss(m.F.log_softmax(x, dim=1), _lab(m, [2, 1])))
case("nll_loss_ignore_all", [[0.0, 1.0], [2.0, 3.0]],
     lambda m, x: m.F.nll_loss(x, _lab(m, [-100, -100])))
case("cross_entropy_masked_row", [[0.0, 1.0], [-INF, -INF]],
     lambda m, x: m.F.cross_entropy(x, _lab(m, [1, -100])))

# --- softmax / log_softmax / logsumexp --------------------------------------------------------
AI = [[-INF, -INF, -INF], [0.0, 1.0, 2.0]]
case("softmax_all_-inf_row", AI,
     lambda m, x: (x.softmax(1) * m.c([[1.0, 2, 3], [4, 5, 6]])).sum(),
     lambda m, x: m.np.sum(m.nn.softmax(x, axis=1) * m.np.asarray([[1.0, 2, 3], [4, 5, 6]])))
case("log_softmax_-inf_entries", [[0.0, -INF, 1.0]],
     lambda m, x: x.log_softmax(1)[:, 2].sum(),
     lambda m, x: m.nn.log_softmax(x, axis=1)[:, 2].sum())
case("softmax_-inf_entries", [[0.0, -INF, 1.0]],
     lambda m, x: (x.softmax(1) * m.c([[1.0, 2, 3]])).sum(),
     lambda m, x: m.np.sum(m.nn.softmax(x, axis=1) * m.np.asarray([[1.0, 2, 3]])))
case("logsumexp_all_-inf", [-INF, -INF],
     lambda m, x: x.logsumexp(0), lambda m, x: m.sp.logsumexp(x))
case("logsumexp_b_zero", [0.0, 1.0, 2.0], None,
     lambda m, x: m.sp.logsumexp(x, b=m.np.asarray([1.0, 0.0, 2.0])), smooth=True)
case("logsumexp_b_all_zero", [0.0, 1.0], None,
     lambda m, x: m.sp.logsumexp(x, b=m.np.asarray([0.0, 0.0])))
case("logsumexp_where_none", [0.0, 1.0], None,
     lambda m, x: m.nn.logsumexp(x, where=m.np.asarray([False, False])))
case("logsumexp_where_some", [0.0, 1.0, 5.0], None,
     lambda m, x: m.nn.logsumexp(x, where=m.np.asarray([True, True, False])), smooth=True)
case("masked_fill_-inf_softmax", [[1.0, 2.0, 3.0]],
     lambda m, x: (x.masked_fill(m.c([[False, True, False]]), -INF).softmax(1)
                   * m.c([[1.0, 2, 3]])).sum(), smooth=True)
case("masked_fill_all_-inf_softmax", [[1.0, 2.0]],
     lambda m, x: x.masked_fill(m.c([[True, True]]), -INF).softmax(1).sum())
case("hand_logsumexp_overflow", [1000.0, 0.0],
     lambda m, x: x.exp().sum().log(), lambda m, x: m.np.log(m.np.sum(m.np.exp(x))))

# --- logistic losses, softplus ----------------------------------------------------------------
case("bce_with_logits_1e3", [1e3, -1e3, 1e3, -1e3],
     lambda m, x: m.F.binary_cross_entropy_with_logits(x, m.c([1.0, 0.0, 0.0, 1.0])),
     smooth=True)
case("bce_with_logits_pos_weight_1e3", [1e3, -1e3],
     lambda m, x: m.F.binary_cross_entropy_with_logits(x, m.c([0.0, 1.0]),
                                                       pos_weight=m.c([2.0, 3.0])), smooth=True)
case("bce_p_0_1", [0.0, 1.0, 0.0, 1.0],
     lambda m, x: m.F.binary_cross_entropy(x, m.c([0.0, 1.0, 1.0, 0.0])))
case("bce_p_0_1_matching", [0.0, 1.0],
     lambda m, x: m.F.binary_cross_entropy(x, m.c([0.0, 1.0])))
case("softplus_beta_threshold_switch", [10.0, 5.0, 20.0 / 3],
     lambda m, x: m.F.softplus(x, beta=2.0, threshold=20.0).sum())
case("jnn_softplus_1e3", [1e3, -1e3], None, lambda m, x: m.np.sum(m.nn.softplus(x)), smooth=True)
case("log_sigmoid_1e3", [1e3, -1e3], lambda m, x: m.F.logsigmoid(x).sum(),
     lambda m, x: m.np.sum(m.nn.log_sigmoid(x)), smooth=True)

# --- norms ------------------------------------------------------------------------------------
for o in (2, 1, INF, 0.5, -INF):
    case(f"vector_norm_zero_ord{o}", [0.0, 0.0, 0.0], lambda m, x, o=o: m.vnorm(x, ord=o),
         lambda m, x, o=o: m.np.linalg.norm(x, ord=o))
    case(f"vector_norm_ties_ord{o}", [-2.0, 2.0, 1.0], lambda m, x, o=o: m.vnorm(x, ord=o),
         lambda m, x, o=o: m.np.linalg.norm(x, ord=o))
case("tensor_norm_zero", [0.0, 0.0], lambda m, x: x.norm())
for o in ("fro", "nuc", 2):
    case(f"matrix_norm_zero_{o}", np.zeros((2, 2)), lambda m, x, o=o: m.mnorm(x, ord=o),
         lambda m, x, o=o: m.np.linalg.norm(x, ord=o))
case("matrix_norm_identity_2", np.eye(2), lambda m, x: m.mnorm(x, ord=2),
     lambda m, x: m.np.linalg.norm(x, ord=2))
case("normalize_zero", [[0.0, 0.0], [3.0, 4.0]],
     lambda m, x: (m.F.normalize(x, dim=1) * m.c([[1.0, 2.0], [3.0, 4.0]])).sum())
case("cosine_similarity_zero", [[0.0, 0.0], [1.0, 2.0]],
     lambda m, x: m.F.cosine_similarity(x[0:1], x[1:2]).sum())
case("cosine_similarity_both_zero", [[0.0, 0.0], [0.0, 0.0]],
     lambda m, x: m.F.cosine_similarity(x[0:1], x[1:2]).sum())
for p in (2.0, 1.0, INF, 0.5):
    case(f"cdist_duplicates_p{p}", [[0.0, 1.0], [0.0, 1.0], [2.0, 0.0]],
         lambda m, x, p=p: m.cdist(x[None], x[None], p=p).sum())
    case(f"pdist_duplicates_p{p}", [[0.0, 1.0], [0.0, 1.0], [2.0, 0.0]],
         lambda m, x, p=p: m.F.pdist(x, p=p).sum())
case("dist_same", [[1.0, 2.0], [1.0, 2.0]], lambda m, x: x[0].dist(x[1]))

# --- normalisation layers, moments ------------------------------------------------------------
case("layer_norm_constant_row", [[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]],
     lambda m, x: (m.F.layer_norm(x, (3,)) * m.c([[1.0, 2, 3], [4, 5, 6]])).sum())
case("group_norm_constant", [[[1.0, 1.0], [1.0, 1.0]]],
     lambda m, x: (m.F.group_norm(x, 1) * m.c([[[1.0, 2], [3, 4]]])).sum())
case("instance_norm_constant", [[[2.0, 2.0, 2.0]]],
     lambda m, x: (m.F.instance_norm(x) * m.c([[[1.0, 2, 3]]])).sum())
case("batch_norm_train_one_per_channel", [[1.0, 2.0]],
     lambda m, x: m.F.batch_norm(x, None, None, training=True).sum())
case("std_one_element", [3.0], lambda m, x: x.std(dim=0), lambda m, x: m.np.std(x, ddof=1))
case("var_constant", [2.0, 2.0, 2.0], lambda m, x: x.var(dim=0), lambda m, x: m.np.var(x, ddof=1))
case("std_constant", [2.0, 2.0, 2.0], lambda m, x: x.std(dim=0), lambda m, x: m.np.std(x))
case("var_correction_ge_n", [1.0, 2.0], lambda m, x: x.var(dim=0, correction=3),
     lambda m, x: m.np.var(x, ddof=3))
case("var_correction_eq_n", [1.0, 2.0], lambda m, x: x.var(dim=0, correction=2),
     lambda m, x: m.np.var(x, ddof=2))

# --- powers, roots, elementary at boundaries --------------------------------------------------
case("sqrt_zero_in_sum", [0.0, 4.0], lambda m, x: x.sqrt().sum(),
     lambda m, x: m.np.sum(m.np.sqrt(x)))
case("pow_half_zero", [0.0, 4.0], lambda m, x: (x ** 0.5).sum(), lambda m, x: m.np.sum(x ** 0.5))
case("pow_1_5_zero", [0.0, 4.0], lambda m, x: (x ** 1.5).sum(), lambda m, x: m.np.sum(x ** 1.5))
case("pow_0_zero", [0.0, 4.0], lambda m, x: (x ** 0).sum(), lambda m, x: m.np.sum(x ** 0))
case("pow_0_y", [2.0, 0.5, 0.0, 1.0], lambda m, x: (m.c(0.0) ** x).sum() if m is TS
     else gnp.sum(gnp.power(0.0, x)), lambda m, x: m.np.sum(m.np.power(0.0, x)))
case("atan2_origin", [0.0, 0.0], lambda m, x: x[0].atan2(x[1]),
     lambda m, x: m.np.arctan2(x[0], x[1]))
case("hypot_origin", [0.0, 0.0], lambda m, x: x[0].hypot(x[1]),
     lambda m, x: m.np.hypot(x[0], x[1]))
case("det_singular", [[1.0, 2.0], [2.0, 4.0]], lambda m, x: m.det(x),
     lambda m, x: m.np.linalg.det(x))
case("det_zero_matrix_3", np.zeros((3, 3)), lambda m, x: m.det(x),
     lambda m, x: m.np.linalg.det(x))
case("slogdet_singular_sign", [[1.0, 2.0], [2.0, 4.0]], lambda m, x: m.slogdet(x)[0],
     lambda m, x: m.np.linalg.slogdet(x)[0])
case("log1p_-1", [-1.0, 0.0], lambda m, x: x.log1p().sum(), lambda m, x: m.np.sum(m.np.log1p(x)))
case("xlogy_0_0", [0.0, 0.0], lambda m, x: x[0].xlogy(x[1]),
     lambda m, x: m.sp.xlogy(x[0], x[1]))
case("entr_0", [0.0, 0.5], lambda m, x: m.sp.entr(x).sum(), lambda m, x: m.np.sum(m.sp.entr(x)))
case("sinc_0", [0.0, 0.5], lambda m, x: x.sinc().sum(), lambda m, x: m.np.sum(m.np.sinc(x)),
     smooth=True)
case("logit_0_1_eps", [0.0, 1.0, 0.5], lambda m, x: x.logit(eps=1e-6).sum())
case("logit_0_1", [0.0, 1.0], lambda m, x: x.logit().sum(), lambda m, x: m.np.sum(m.sp.logit(x)))
case("erfinv_pm1", [1.0, -1.0], lambda m, x: x.erfinv().sum(),
     lambda m, x: m.np.sum(m.sp.erfinv(x)))
case("lgamma_poles", [0.0, -1.0, -2.0], lambda m, x: x.lgamma().sum(),
     lambda m, x: m.np.sum(m.sp.gammaln(x)))
case("digamma_0", [0.0, -1.0], lambda m, x: x.digamma().sum(),
     lambda m, x: m.np.sum(m.sp.digamma(x)))

# --- order statistics with ties ---------------------------------------------------------------
W = [1.0, 2.0, 3.0, 4.0]
T4 = [3.0, 1.0, 3.0, 2.0]
case("max_ties", T4, lambda m, x: x.max(), lambda m, x: m.np.max(x))
case("max_dim_ties", [T4], lambda m, x: x.max(dim=1)[0].sum(),
     lambda m, x: m.np.sum(m.np.max(x, axis=1)))
case("amax_ties", [T4], lambda m, x: x.amax(dim=1).sum(),
     lambda m, x: m.np.sum(m.np.amax(x, axis=1)))
case("median_ties", [2.0, 2.0, 2.0, 1.0], lambda m, x: x.median(),
     lambda m, x: m.np.median(x))
case("median_dim_ties", [[2.0, 2.0, 2.0, 1.0]], lambda m, x: x.median(dim=1)[0].sum())
case("sort_ties", T4, lambda m, x: (x.sort(dim=-1)[0] * m.c(W)).sum(),
     lambda m, x: m.np.sum(m.np.sort(x) * m.np.asarray(W)))
case("topk_ties", T4, lambda m, x: (x.topk(2)[0] * m.c([1.0, 2.0])).sum())
case("kthvalue_ties", T4, lambda m, x: x.kthvalue(3)[0])
case("mode_ties", [1.0, 3.0, 3.0, 1.0, 2.0], lambda m, x: x.mode()[0])

# --- clamp, relu, abs, sign, where ------------------------------------------------------------
case("clamp_bounds", [0.0, 1.0, 0.5], lambda m, x: (x.clamp(0.0, 1.0) * m.c([1.0, 2, 3])).sum(),
     lambda m, x: m.np.sum(m.np.clip(x, 0.0, 1.0) * m.np.asarray([1.0, 2, 3])))
case("clamp_min_gt_max", [0.0, 3.0, 1.5], lambda m, x: (x.clamp(2.0, 1.0) * m.c([1.0, 2, 3])).sum(),
     lambda m, x: m.np.sum(m.np.clip(x, 2.0, 1.0) * m.np.asarray([1.0, 2, 3])))
case("relu_in_product", [0.0, 1.0], lambda m, x: (x.relu() * x).sum(),
     lambda m, x: m.np.sum(m.nn.relu(x) * x))
case("abs_sq", [0.0, -1.0], lambda m, x: (x.abs() ** 2).sum(),
     lambda m, x: m.np.sum(m.np.abs(x) ** 2), smooth=True)
case("abs_at_0", [0.0, -1.0], lambda m, x: x.abs().sum(), lambda m, x: m.np.sum(m.np.abs(x)))
case("sign_times_x", [0.0, -2.0], lambda m, x: (x.sign() * x).sum(),
     lambda m, x: m.np.sum(m.np.sign(x) * x))
case("where_sqrt_negative", [-1.0, 0.0, 4.0],
     lambda m, x: m.where(x > 0, x.sqrt(), m.c(0.0)).sum(),
     lambda m, x: m.np.sum(m.np.where(x > 0, m.np.sqrt(x), 0.0)))
case("where_log_zero", [0.0, 2.0],
     lambda m, x: m.where(x > 0, x.log(), m.c(0.0)).sum(),
     lambda m, x: m.np.sum(m.np.where(x > 0, m.np.log(x), 0.0)))
case("where_exp_overflow", [1000.0, 1.0],
     lambda m, x: m.where(x < 100, x.exp(), x).sum(),
     lambda m, x: m.np.sum(m.np.where(x < 100, m.np.exp(x), x)))
case("where_div_zero", [0.0, 2.0],
     lambda m, x: m.where(x != 0, 1.0 / x, m.c(0.0)).sum(),
     lambda m, x: m.np.sum(m.np.where(x != 0, 1.0 / x, 0.0)))

# --- regression and margin losses -------------------------------------------------------------
Y3 = [0.0, 0.0, 0.0]
case("huber_switch", [1.0, -1.0, 0.5],
     lambda m, x: m.F.huber_loss(x, m.c(Y3), delta=1.0))
case("smooth_l1_switch", [1.0, -1.0, 0.0],
     lambda m, x: m.F.smooth_l1_loss(x, m.c(Y3), beta=1.0))
case("smooth_l1_beta0", [1.0, -1.0, 0.0],
     lambda m, x: m.F.smooth_l1_loss(x, m.c(Y3), beta=0.0))
case("l1_at_0", [0.0, 1.0], lambda m, x: m.F.l1_loss(x, m.c([0.0, 0.0])))
case("hinge_embedding_margin", [1.0, 0.5],
     lambda m, x: m.F.hinge_embedding_loss(x, m.c([-1.0, -1.0]), margin=1.0))
case("margin_ranking_margin", [[1.0, 2.0], [0.0, 1.5]],
     lambda m, x: m.F.margin_ranking_loss(x[0], x[1], m.c([1.0, 1.0]), margin=1.0))
case("multi_margin_margin", [[1.0, 0.0, 2.0]],
     lambda m, x: m.F.multi_margin_loss(x, _lab(m, [0])))
case("soft_margin_1e3", [1e3, -1e3],
     lambda m, x: m.F.soft_margin_loss(x, m.c([-1.0, 1.0])), smooth=True)
case("kl_div_zero_target", [-1.0, -2.0, -0.5],
     lambda m, x: m.F.kl_div(x, m.c([0.0, 0.5, 0.5]), reduction="sum"), smooth=True)
case("kl_div_log_target_-inf", [-1.0, -2.0, -0.5],
     lambda m, x: m.F.kl_div(x, m.c([-INF, np.log(0.5), np.log(0.5)]), reduction="sum",
                             log_target=True))
case("kl_div_target_grad_zero", [0.0, 0.5, 0.5],
     lambda m, x: m.F.kl_div(m.c([-1.0, -2.0, -0.5]), x, reduction="sum"))
case("kl_div_log_target_grad_-inf", [-INF, -1.0],
     lambda m, x: m.F.kl_div(m.c([-1.0, -2.0]), x, reduction="sum", log_target=True))
case("poisson_nll_input_0", [0.0, 1.0],
     lambda m, x: m.F.poisson_nll_loss(x, m.c([1.0, 0.0]), log_input=False))
case("poisson_nll_full_target_0_1", [1.0, 2.0],
     lambda m, x: m.F.poisson_nll_loss(x, m.c([0.0, 1.0]), log_input=True, full=True),
     smooth=True)
case("gaussian_nll_var_eps", [0.0, 2.0],
     lambda m, x: m.F.gaussian_nll_loss(x, m.c([1.0, 2.0]), m.c([0.0, 1e-9])))
case("gaussian_nll_var_eps_grad_var", [0.0, 1e-9],
     lambda m, x: m.F.gaussian_nll_loss(m.c([1.0, 2.0]), m.c([1.5, 2.5]), x))


# --- more composites at the same kinds of points ----------------------------------------------
case("jnn_softmax_where_none", [[1.0, 2.0], [3.0, 4.0]], None,
     lambda m, x: m.np.sum(m.nn.softmax(x, axis=1, where=m.np.asarray([[True, True],
                                                                      [False, False]]))
                           * m.np.asarray([[1.0, 2.0], [3.0, 4.0]])))
case("jnn_log_softmax_where_some", [[1.0, 2.0, 3.0]], None,
     lambda m, x: m.nn.log_softmax(x, axis=1, where=m.np.asarray([[True, False, True]]))[0, 0],
     smooth=True)
case("logsumexp_b_negative_sign", [0.0, 0.0], None,
     lambda m, x: m.sp.logsumexp(x, b=m.np.asarray([1.0, -1.0]), return_sign=True)[1])
case("jnn_standardize_constant", [[2.0, 2.0, 2.0]], None,
     lambda m, x: m.np.sum(m.nn.standardize(x, axis=1) * m.np.asarray([[1.0, 2.0, 3.0]])))
case("nll_loss_weighted_ignore_all", [[0.0, 1.0], [2.0, 3.0]],
     lambda m, x: m.F.nll_loss(x, _lab(m, [-100, -100]), weight=m.c([1.0, 2.0])))
case("bce_with_logits_weight_1e3", [1e3, -1e3],
     lambda m, x: m.F.binary_cross_entropy_with_logits(x, m.c([0.0, 1.0]),
                                                       weight=m.c([2.0, 3.0])), smooth=True)
case("poisson_nll_full_input_0", [0.0, 2.0],
     lambda m, x: m.F.poisson_nll_loss(x, m.c([0.0, 3.0]), log_input=False, full=True))
case("pairwise_distance_same", [[1.0, 2.0], [1.0, 2.0]],
     lambda m, x: m.F.pairwise_distance(x[0:1], x[1:2]).sum())
case("triplet_margin_same_points", [[1.0, 2.0], [1.0, 2.0], [3.0, 0.0]],
     lambda m, x: m.F.triplet_margin_loss(x[0:1], x[1:2], x[2:3]))
case("cosine_embedding_margin", [[1.0, 0.0], [0.0, 1.0]],
     lambda m, x: m.F.cosine_embedding_loss(x[0:1], x[1:2], m.c([-1.0]), margin=0.0))
case("rms_norm_zero_row", [[0.0, 0.0], [1.0, 2.0]],
     lambda m, x: (m.F.rms_norm(x, (2,)) * m.c([[1.0, 2.0], [3.0, 4.0]])).sum())
case("vector_norm_-inf_ties", [2.0, -1.0, 1.0], lambda m, x: m.vnorm(x, ord=-INF),
     lambda m, x: m.np.linalg.norm(x, ord=-INF))
case("entr_negative", [-1.0, 0.5], lambda m, x: m.sp.entr(x).sum(),
     lambda m, x: m.np.sum(m.sp.entr(x)))
case("softmax_large_ties", [[1e300, 1e300, 0.0]],
     lambda m, x: (x.softmax(1) * m.c([[1.0, 2.0, 3.0]])).sum(),
     lambda m, x: m.np.sum(m.nn.softmax(x, axis=1) * m.np.asarray([[1.0, 2.0, 3.0]])))

# --- evaluation -------------------------------------------------------------------------------
def _np(a):
    if isinstance(a, torch.Tensor):
        return a.detach().numpy().astype(np.float64)
    if isinstance(a, ad.Tensor):
        return np.asarray(a.numpy(), dtype=np.float64)
    return np.asarray(a, dtype=np.float64)


def _try(f):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _np(f())
    except Exception as e:  # noqa: BLE001 (raising is an outcome compared)
        return f"raises {type(e).__name__}"


def _torch(f, x):
    g = lambda t: f(TS, t)  # noqa: E731
    val = _try(lambda: g(torch.tensor(x)))

    def grad():
        t = torch.tensor(x, requires_grad=True)
        return torch.autograd.grad(g(t), t)[0]

    def jvp():
        return torch.func.jvp(g, (torch.tensor(x),), (torch.ones(x.shape, dtype=torch.float64),))[1]

    return {"value": val, "grad": _try(grad), "jvp": _try(jvp),
            "hess": _try(lambda: torch.autograd.functional.hessian(g, torch.tensor(x)))}


def _gpuad(f, m, x):
    if m is GS:
        g = lambda a: f(GS, a if isinstance(a, ad.Tensor) else ad.tensor(a))  # noqa: E731
    else:
        g = lambda a: f(m, a)  # noqa: E731
    return {"value": _try(lambda: g(x.copy())), "grad": _try(lambda: ad.grad(g)(x.copy())),
            "jvp": _try(lambda: ad.jvp(g, (x.copy(),), (np.ones_like(x),))[1]),
            "hess": _try(lambda: ad.hessian(g)(x.copy()))}


def _jax(f, x):
    g = lambda a: f(JS, a)  # noqa: E731
    return {"value": _try(lambda: g(jnp.asarray(x))), "grad": _try(lambda: jax.grad(g)(x)),
            "jvp": _try(lambda: jax.jvp(g, (x,), (np.ones_like(x),))[1]),
            "hess": _try(lambda: jax.hessian(g)(x))}


def _central(f, x, h=1e-5):
    """Central differences of f (array -> array) at x, along each element of x."""
    x = np.asarray(x, dtype=np.float64)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(f(x)) + x.shape)


def _same(a, b, rtol=1e-7, atol=1e-9) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str)
    if a.shape != b.shape:
        return False
    fin = np.isfinite(a) & np.isfinite(b)
    return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))
                       | (fin & np.isclose(a, b, rtol=rtol, atol=atol))))


def evaluate(name):
    """Every peer's and gpuad's answers for one case: {side: {quantity: array or 'raises'}}."""
    x, t, j, smooth = CASES[name]
    out = {}
    if t is not None:
        out["torch"] = _torch(t, x)
        out["gpuad(torch)"] = _gpuad(t, GS, x)
    if j is not None:
        out["jax"] = _jax(j, x)
        out["gpuad(jax)"] = _gpuad(j, GJ, x)
    if smooth:
        f = t if t is not None else j
        m = GS if t is not None else GJ
        fv = lambda a: _np(_gpuad(f, m, a)["value"])  # noqa: E731
        fg = lambda a: _np(_gpuad(f, m, a)["grad"])  # noqa: E731
        cg = _central(fv, x)
        out["central"] = {"value": fv(x), "grad": cg, "jvp": np.sum(cg),
                          "hess": _central(fg, x)}
    return out


def mismatches(name, res):
    """(side, quantity, gpuad's, peer's) where gpuad differs from its peer or from central
    differences, leaving out those DIFFERS explains."""
    bad = []
    for side, peer in (("gpuad(torch)", "torch"), ("gpuad(jax)", "jax")):
        if side not in res:
            continue
        for q in ("value", "grad", "jvp", "hess"):
            a, b = res[side][q], res[peer][q]
            # the forward-mode slope along ones is the gradient's sum: a gradient listed in
            # DIFFERS covers it, unless listed on its own
            known = (name, side, q) in DIFFERS or (q == "jvp" and (name, side, "grad") in DIFFERS)
            if not _same(a, b) and not known:
                bad.append((side, q, a, b))
            if "central" in res and not isinstance(a, str):
                c = res["central"][q]
                if not _same(a, c, rtol=1e-5, atol=1e-5) and (
                        name, side, q + " vs central") not in DIFFERS:
                    bad.append((side, q + " vs central", a, c))
    return bad


# (case, side, quantity) -> both peers' answers and why gpuad's is kept.
DIFFERS: dict[tuple[str, str, str], str] = {}
BOTH = ("gpuad(torch)", "gpuad(jax)")


def differ(names, sides, quantities, why):
    for n in names.split():
        assert n in CASES, n
        for s in (sides,) if isinstance(sides, str) else sides:
            for q in quantities.split(","):
                DIFFERS[(n, s, q)] = why


differ("where_sqrt_negative where_log_zero where_exp_overflow where_div_zero", BOTH,
       "grad,hess", "torch, JAX: NaN at the positions the where() did not select; gpuad: 0 "
       "(docs/semantics.md, 'where and NaN in the unselected branch': a zero adjoint "
       "contributes exactly zero)")
differ("hand_logsumexp_overflow", BOTH, "grad,hess",
       "KNOWN LIMIT: torch, JAX: NaN at x = 1000 (1/inf * inf); gpuad: 0, where the slope of "
       "the function is 1: the adjoint of log at inf rounds to exactly 0 and the zero guard "
       "takes it for a structural zero (docs/semantics.md, 'Special points'). Use logsumexp")
differ("sqrt_zero_in_sum pow_half_zero pow_1_5_zero log1p_-1 entr_0 erfinv_pm1 logit_0_1 "
       "lgamma_poles digamma_0", BOTH, "hess",
       "a sum of one-variable terms: the mixed partials are exactly 0 (torch, JAX: NaN from "
       "0 * inf in one triangle); the diagonal is the peers' +-inf (JAX NaN at poles)")
differ("digamma_0", "gpuad(torch)", "grad",
       "torch: 6.6e32 at -1 (its pole rounded), JAX and gpuad: inf")
differ("lgamma_poles", "gpuad(jax)", "grad", "torch and gpuad: -inf at 0, NaN at -1, -2; "
       "JAX: NaN everywhere")
differ("sinc_0", "gpuad(torch)", "hess", "torch: NaN at 0 (a cancelling quotient); JAX, gpuad "
       "and central differences: -pi^2/3")
differ("pow_0_y", "gpuad(torch)", "hess", "torch: NaN (log(0) * 0); JAX and gpuad: 0 "
       "(0**y is constant 0 for y > 0)")
differ("atan2_origin", "gpuad(torch)", "grad", "torch 0, JAX NaN; gpuad NaN, as documented in "
       "docs/semantics.md ('Special points')")
differ("atan2_origin", BOTH, "hess", "torch, JAX: NaN; gpuad: NaN off the diagonal, 0 on it "
       "(the pure second partials are 0 along both axes through the origin)")
differ("abs_sq", BOTH, "hess,hess vs central",
       "torch and gpuad: 0 at x = 0 (the abs'(0) = 0 convention carried through); JAX: 2 "
       "(abs'(0) = 1). Documented: gpuad.numpy takes torch's choice at kinks")
differ("abs_at_0 clamp_bounds vector_norm_zero_ord1 vector_norm_zero_ord2 "
       "vector_norm_zero_ordinf vector_norm_zero_ord-inf vector_norm_zero_ord0.5 "
       "matrix_norm_zero_fro std_constant", "gpuad(jax)", "grad",
       "torch and gpuad: the subgradient 0 (abs'(0) = 0, clip closed at its bounds, "
       "norm'(0) = 0); JAX: 1, 1/2 at the bounds, NaN or an even share. Documented "
       "(docs/semantics.md, 'Subgradients at kinks'): gpuad.numpy takes torch's choice")
differ("matrix_norm_zero_2", "gpuad(jax)", "grad", "torch and gpuad: I / 2 (the tied singular "
       "values share U V^T); JAX: I / 4. Documented ('Linear algebra at degenerate inputs')")
differ("tensor_norm_zero vector_norm_zero_ord2 vector_norm_zero_ord0.5 matrix_norm_zero_fro "
       "normalize_zero dist_same std_constant", BOTH, "hess",
       "torch, JAX: NaN; gpuad: 0, the second derivative of the norm'(0) = 0 convention")
differ("cosine_similarity_zero cosine_similarity_both_zero", "gpuad(torch)", "hess",
       "torch: NaN; gpuad: the exact derivative of x.y / (max(|x|, eps) max(|y|, eps)) "
       "(torch's documented formula): y / (eps |y|) in x, projected, at x = 0")
differ("matrix_norm_zero_2 matrix_norm_zero_nuc matrix_norm_identity_2 det_zero_matrix_3",
       BOTH, "hess", "torch, JAX: NaN; gpuad: DegenerateError (tied singular values: not "
       "differentiable twice; docs/semantics.md, 'Linear algebra at degenerate inputs')")
differ("cdist_duplicates_p2.0 cdist_duplicates_p1.0 cdist_duplicates_pinf "
       "cdist_duplicates_p0.5 pdist_duplicates_p2.0 pdist_duplicates_p1.0 "
       "pdist_duplicates_pinf pdist_duplicates_p0.5 multi_margin_margin", "gpuad(torch)",
       "hess", "torch has no second derivative here (NotImplementedError, RuntimeError); "
       "gpuad: (I - u u^T / |u|^2) / |u| per distinct pair and 0 for the duplicates "
       "(norm'(0) = 0), checked in tests/test_degenerate_points.py")
differ("det_singular", "gpuad(torch)", "grad", "torch: 0 (its inverse-based rule); JAX and "
       "gpuad: the adjugate [[4, -2], [-2, 1]], the exact gradient")
differ("slogdet_singular_sign", "gpuad(torch)", "grad", "torch raises at a singular matrix; "
       "JAX and gpuad: 0 (the sign is piecewise constant)")
differ("slogdet_singular_sign", BOTH, "hess", "torch, JAX: 0; gpuad: GradError (forward mode "
       "computes the tangent of log|det|, which does not exist there); raising, not wrong")
differ("bce_p_0_1 bce_p_0_1_matching", "gpuad(torch)", "grad,hess",
       "torch: (p - t) / max(p (1 - p), 1e-12): 0 where p = t and -+2.5e11 where the log is "
       "clamped at -100; gpuad: the derivative of the clamped loss, 1 / (1 - p) (/ n) where "
       "p = t = 0, and 0 where log(p) is clamped (the loss is constant there)")
differ("kl_div_target_grad_zero", "gpuad(torch)", "grad,hess",
       "torch: NaN (xlogy's slope at 0); gpuad: -inf and inf, the limits of t log t")
differ("kl_div_log_target_grad_-inf", "gpuad(torch)", "hess",
       "torch: NaN in the mixed partial of two independent terms; gpuad: 0")
differ("kthvalue_ties", "gpuad(torch)", "grad",
       "the gradient goes to the index returned; among ties gpuad returns the first (0), "
       "torch's CPU kernel index 2: torch does not specify which")
differ("logit_0_1_eps", "gpuad(torch)", "hess", "torch: NaN at the clamped points; gpuad: 0 "
       "(logit(clamp(x)) is constant there)")
differ("soft_margin_1e3", "gpuad(torch)", "value,grad,hess",
       "torch: log(1 + exp(1000)) = inf and NaN slopes; gpuad: the exact 500 per element "
       "mean (1000), slopes +-1/2, as central differences")
differ("softmax_all_-inf_row", BOTH, "hess",
       "the NaN row: torch 0, JAX NaN in the blocks that mix it with the finite row; "
       "gpuad's torch names give JAX's NaN, its JAX names torch's 0")
differ("softplus_beta_threshold_switch", "gpuad(torch)", "hess",
       "at beta x = threshold the value takes the log1p branch; gpuad's second derivative "
       "too (beta s (1 - s) = 4.1e-9); torch's double backward the linear one (0)")
differ("std_one_element", BOTH, "hess", "the value and gradient are NaN as the peers'; the "
       "Hessian 0 (the zero guard) where the peers give NaN")
differ("var_correction_eq_n var_correction_ge_n", "gpuad(jax)", "value",
       "torch, NumPy and gpuad: inf (n - correction clamped at 0); JAX: NaN")
differ("var_correction_eq_n var_correction_ge_n", BOTH, "grad,hess",
       "the variance is inf for every non-constant x: no derivative; gpuad NaN (JAX NaN for "
       "correction = n; torch +-inf, 1 or 0 without a rule)")
differ("cross_entropy_masked_row", "gpuad(torch)", "grad,hess",
       "the ignored row of -inf logits: torch NaN in its gradient (0 * NaN through "
       "log_softmax); gpuad 0, to second order: no gradient reaches an ignored row's logits "
       "(docs/semantics.md, 'Losses')")
differ("xlogy_0_0", BOTH, "grad,hess", "torch: [0, NaN], JAX: [-inf, NaN]; gpuad [-inf, 0]: "
       "d/dy xlogy(0, y) = 0 (xlogy(0, y) = 0 for every y); documented ('Special points')")
differ("entr_negative", BOTH, "hess", "entr is -inf below 0 and its gradient there NaN in "
       "all three (log of a negative number); gpuad's second derivative stays NaN, torch's 1 "
       "and JAX's 0 are what their formulas round to, finite derivatives of a NaN slope")
differ("cdist_duplicates_p2.0 cdist_duplicates_p1.0 cdist_duplicates_pinf "
       "cdist_duplicates_p0.5 pdist_duplicates_p2.0 pdist_duplicates_p1.0 "
       "pdist_duplicates_pinf pdist_duplicates_p0.5 multi_margin_margin", "gpuad(torch)",
       "jvp", "torch has no forward-mode rule here (NotImplementedError); gpuad's slope along "
       "ones is its gradient's sum, which equals torch's gradient")
differ("cross_entropy_ignore_all_mean cross_entropy_ignore_all_weighted nll_loss_ignore_all "
       "nll_loss_weighted_ignore_all", "gpuad(torch)", "jvp",
       "every row ignored: the mean is 0/0 = NaN (as torch) and the gradient 0 in both; "
       "torch's forward mode NaN, gpuad's 0, the gradient's sum")
differ("logsumexp_b_all_zero logsumexp_where_none", "gpuad(jax)", "jvp",
       "nothing summed: the value -inf and the gradient 0 in both; JAX's forward mode NaN, "
       "gpuad's 0, the gradient's sum")
differ("gaussian_nll_var_eps_grad_var", "gpuad(torch)", "jvp",
       "var clamped at eps with the gradient taken at the clamped value (torch's clamp_ under "
       "no_grad): torch's forward mode 0 disagrees with its own gradient; gpuad: the "
       "gradient's sum, -1.25e11")
differ("matrix_norm_identity_2 matrix_norm_zero_2 matrix_norm_zero_nuc", BOTH, "jvp",
       "tied singular values: torch 1 or 2, JAX 0.5, 1 or 2; gpuad: DegenerateError, as "
       "documented ('Linear algebra at degenerate inputs': forward mode raises)")
differ("entr_negative", "gpuad(jax)", "jvp", "JAX's forward mode drops the NaN slope at -1 "
       "that its own gradient has; gpuad's is NaN, as its gradient and torch's")
differ("slogdet_singular_sign", "gpuad(jax)", "jvp", "JAX 0, torch raises; gpuad raises "
       "GradError: forward mode computes the tangent of log|det| too, which does not exist")
differ("std_one_element", BOTH, "jvp", "KNOWN LIMIT: std of one element (correction 1) is "
       "0/0 = NaN for every x and its gradient NaN in all three; gpuad's forward-mode slope "
       "is 0 (the zero guard: the deviations' tangent is exactly 0)")
differ("hypot_origin", "gpuad(jax)", "grad,hess", "torch and gpuad: NaN at the origin; JAX "
       "1/2 each (its own convention); gpuad.numpy takes torch's")


@pytest.mark.parametrize("name", sorted(CASES))
def test_degenerate_vs_peers(name, backend):
    if backend != "numpy":
        pytest.skip("compared with torch's and JAX's CPU arrays on the NumPy backend")
    bad = mismatches(name, evaluate(name))
    assert not bad, "\n".join(f"{s} {q}: gpuad {a!r}, peer {b!r}" for s, q, a, b in bad)


if __name__ == "__main__":
    import sys

    for n in (sys.argv[1:] or sorted(CASES)):
        r = evaluate(n)
        for s, q, a, _b in mismatches(n, r):
            others = {k: v[q.split()[0]] for k, v in r.items() if k not in (s,)}
            print(f"== {n} {s} {q}\n   gpuad: {a!r}\n   " +
                  "\n   ".join(f"{k}: {v!r}" for k, v in others.items()))
