"""Losses of ``torch.nn.functional`` with torch's arguments, and their Modules.

Each is a composition of gpuad primitives (differentiable to any order, under ``vmap`` and
``gpuad.jit``, on every backend), with ``reduction`` 'mean', 'sum' or 'none'. At a kink the
derivative is the one torch's backward takes (a hinge ``max(0, z)`` passes the gradient at
``z == 0`` where torch clamps with ``clamp_min``, and not where torch tests ``z > 0``).

Where torch only warns about an input and a target of different shapes (and broadcasts them),
these losses raise, as ``mse_loss`` does: a (N, 1) prediction against a (N,) target is
nearly always a bug.

Example::

    import gpuad.nn.functional as F
    loss = F.huber_loss(pred, y, delta=0.5) + F.kl_div(logq, logp, 'batchmean', log_target=True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _softmax
from .. import _value_checks as _vc
from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import data  # named data: gpuad.jit redirects it here while tracing
from ..tensor import Tensor
from .functional import _like_input, _reduce, _same_shape, nll_loss, smooth_l1_loss
from .modules import Module
from .similarity import pairwise_distance

__all__ = [
    "l1_loss",
    "huber_loss",
    "kl_div",
    "binary_cross_entropy",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "multi_margin_loss",
    "multilabel_soft_margin_loss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "KLDivLoss",
    "BCELoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "SoftMarginLoss",
    "CosineEmbeddingLoss",
    "TripletMarginLoss",
    "MultiMarginLoss",
    "MultiLabelSoftMarginLoss",
    "NLLLoss",
]

Array = Any  # a Tensor or a backend array


def _check_reduction(reduction: str, extra: tuple[str, ...] = ()) -> None:
    if reduction not in ("mean", "sum", "none") + extra:
        allowed = ", ".join(repr(r) for r in ("mean", "sum", "none") + extra)
        raise ValueError(f"reduction must be one of {allowed}, got {reduction!r}")


def _hinge(z: Array) -> Array:
    """``max(z, 0)`` passing the gradient at ``z == 0`` (torch's ``clamp_min``)."""
    return gnp.where(data(z) >= 0, z, 0.0)


def _weighted(op: str, loss: Array, weight: Any, reduction: str, mean_by_weight: bool) -> Array:
    if weight is None:
        return _reduce(loss, reduction)
    if _r.shape(weight) != _r.shape(loss):
        raise ValueError(
            f"{op}: weight must have the input's shape {_r.shape(loss)}, got {_r.shape(weight)}"
        )
    _check_reduction(reduction)
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return gnp.sum(loss) / gnp.sum(weight)
    return _reduce(loss, reduction)


# ---- regression -----------------------------------------------------------------------------


def l1_loss(
    input: Array, target: Array, reduction: str = "mean", weight: Array | None = None
) -> Array:
    """Mean absolute error ``|input - target|`` (derivative 0 where they are equal, as torch);
    with ``weight`` (the input's shape) the mean divides by the summed weight, as torch.

    Example: ``F.l1_loss(pred, y)``
    """
    _same_shape("l1_loss", input, target)
    target, weight = _like_input(target, input), _like_input(weight, input)
    return _weighted("l1_loss", gnp.abs(input - target), weight, reduction, True)


def huber_loss(
    input: Array,
    target: Array,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Array | None = None,
) -> Array:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (``d = input -
    target``); with ``weight`` the mean is the plain mean of the weighted losses, as torch.

    Example: ``F.huber_loss(pred, y, delta=0.5)``
    """
    _same_shape("huber_loss", input, target)
    target, weight = _like_input(target, input), _like_input(weight, input)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    d = input - target
    ad_ = gnp.abs(d)
    loss = gnp.where(data(ad_) < delta, 0.5 * d * d, delta * (ad_ - 0.5 * delta))
    return _weighted("huber_loss", loss, weight, reduction, False)


def kl_div(input: Array, target: Array, reduction: str = "mean", log_target: bool = False) -> Array:
    """Kullback-Leibler divergence of ``target`` from the log-probabilities ``input``:
    ``target * (log target - input)`` summed as ``reduction`` says ('batchmean' divides the
    sum by the batch size, the KL divergence per example; 'mean' divides by the element count,
    as torch). ``log_target=True`` takes ``target`` as log-probabilities. A zero target
    contributes 0 (its derivative in ``target`` is ``-inf``, as torch's).

    Example: ``F.kl_div(F.log_softmax(z, dim=1), p, reduction='batchmean')``
    """
    _same_shape("kl_div", input, target)
    target = _like_input(target, input)
    _check_reduction(reduction, ("batchmean",))
    if log_target:
        loss = gnp.exp(target) * (target - input)
    else:
        from ..scipy.special import xlogy  # on first use: it loads SciPy

        ent = xlogy(target, target)  # float64 for float16 targets, as SciPy's
        loss = ent.astype(gnp.result_type(target)) - target * input
    if reduction != "batchmean":
        return _reduce(loss, reduction)
    s = _r.shape(input)
    return gnp.sum(loss) / s[0] if s else gnp.sum(loss)


def _clamped_log(x: Array) -> Array:
    """``max(log x, -100)`` (torch's clamp in binary cross-entropy), with no NaN in the
    derivative where ``x`` is 0."""
    raw = data(x)
    with np.errstate(divide="ignore"):
        keep = gnp.log(raw) > -100.0
    return gnp.where(keep, gnp.log(gnp.where(keep, x, 1.0)), -100.0)


_BCE_RANGE = _vc.Check(
    "binary_cross_entropy_input",
    lambda xp, x: ~((x >= 0) & (x <= 1)),
    lambda count, first: ValueError(
        f"binary_cross_entropy: every input must lie in [0, 1] (probabilities; for logits "
        f"use binary_cross_entropy_with_logits); got {count} outside it, the first being "
        f"{first}"
    ),
    values=lambda xp, x: x,
)


def binary_cross_entropy(
    input: Array, target: Array, weight: Array | str | None = None, reduction: str = "mean"
) -> Array:
    """``-weight * (t log x + (1 - t) log(1 - x))`` of probabilities ``x`` (each log clamped
    at -100, as torch), ``weight`` broadcasting to the input. An input outside [0, 1] raises.
    A string third argument is ``reduction``.

    torch's backward divides by ``max(x (1 - x), 1e-12)``; gpuad differentiates the clamped
    formula itself, so the two differ only for ``x`` within 1e-12 of 0 or 1.

    Example: ``F.binary_cross_entropy(F.sigmoid(z), y)``
    """
    if isinstance(weight, str):
        weight, reduction = None, weight
    _same_shape("binary_cross_entropy", input, target)
    target, weight = _like_input(target, input), _like_input(weight, input)
    _check_reduction(reduction)
    if math.prod(_r.shape(input)):
        _vc.run(_BCE_RANGE, input)
    loss = -(target * _clamped_log(input) + (1.0 - target) * _clamped_log(1.0 - input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input: Array,
    target: Array,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Array:
    """Poisson negative log-likelihood: ``exp(input) - target * input`` (``log_input``), else
    ``input - target * log(input + eps)``; ``full`` adds Stirling's approximation of
    ``log(target!)`` where ``target > 1``.

    Example: ``F.poisson_nll_loss(log_rate, counts)``
    """
    _same_shape("poisson_nll_loss", input, target)
    target = _like_input(target, input)
    _check_reduction(reduction)
    if log_input:
        loss = gnp.exp(input) - target * input
    else:
        loss = input - target * gnp.log(input + eps)
    if full:
        big = data(target) > 1
        t = gnp.where(big, target, 2.0)
        stirling = t * gnp.log(t) - t + 0.5 * gnp.log((2 * math.pi) * t)
        loss = loss + gnp.where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Array,
    target: Array,
    var: Array | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Array:
    """Gaussian negative log-likelihood ``0.5 (log var + (input - target)**2 / var)`` (plus
    ``0.5 log 2 pi`` with ``full``), as torch: ``var`` has the input's shape, or lacks its last
    axis, or has size 1 along one axis, or is a float; values below ``eps`` are raised to
    ``eps`` with the derivative passed through unchanged; a negative ``var`` raises.

    Example: ``F.gaussian_nll_loss(mu, y, sigma2)``
    """
    _check_reduction(reduction)
    target, var = _like_input(target, input), _like_input(var, input)
    s = _r.shape(input)
    if isinstance(var, int | float):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has a negative entry")
        var = gnp.full(s, float(var), dtype=gnp.result_type(input))
    else:
        _vc.run(
            _vc.Check(
                "gaussian_nll_loss_var",
                lambda xp, v: v < 0,
                lambda count, first: ValueError(
                    f"gaussian_nll_loss: var has {count} negative entries, the first being {first}"
                ),
                values=lambda xp, v: v,
            ),
            var,
        )
    vs = _r.shape(var)
    if vs != s:
        if s[:-1] == vs:
            var = gnp.expand_dims(var, -1)
        elif not (len(vs) == len(s) and sum(b for a, b in zip(s, vs, strict=True) if a != b) == 1):
            raise ValueError(
                f"gaussian_nll_loss: var of shape {vs} does not fit the input of "
                f"shape {s}: give it the input's shape, or drop or set to 1 one "
                f"axis"
            )
    const = stop_gradient(var)
    var = var + (gnp.maximum(const, eps) - const)  # the clamp passes the derivative, as torch's
    d = input - target
    loss = 0.5 * (gnp.log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---- margins and embeddings -----------------------------------------------------------------


def margin_ranking_loss(
    input1: Array, input2: Array, target: Array, margin: float = 0.0, reduction: str = "mean"
) -> Array:
    """``max(0, -target * (input1 - input2) + margin)`` with ``target`` in {1, -1}.

    Example: ``F.margin_ranking_loss(s_pos, s_neg, gnp.ones(n), margin=0.1)``
    """
    n1, n2, nt = (len(_r.shape(a)) for a in (input1, input2, target))
    if not n1 == n2 == nt:
        raise ValueError(
            f"margin_ranking_loss: input1, input2 and target must have the same "
            f"number of dimensions, got shapes {_r.shape(input1)}, "
            f"{_r.shape(input2)} and {_r.shape(target)}"
        )
    _check_reduction(reduction)
    target = _like_input(target, input1)
    return _reduce(_hinge(-target * (input1 - input2) + margin), reduction)


def hinge_embedding_loss(
    input: Array, target: Array, margin: float = 1.0, reduction: str = "mean"
) -> Array:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``
    (other targets count both, as torch).

    Example: ``F.hinge_embedding_loss(dist, sim_labels)``
    """
    _check_reduction(reduction)
    t = data(target)
    loss = gnp.where(t != 1, _hinge(margin - input), 0.0) + gnp.where(t != -1, input, 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input: Array, target: Array, reduction: str = "mean") -> Array:
    """``log(1 + exp(-target * input))`` with ``target`` in {1, -1}.

    Example: ``F.soft_margin_loss(scores, labels)``
    """
    _same_shape("soft_margin_loss", input, target)
    target = _like_input(target, input, floats=True)  # torch's result: the input's dtype
    _check_reduction(reduction)
    return _reduce(_softmax.softplus(-target * input), reduction)


def cosine_embedding_loss(
    input1: Array, input2: Array, target: Array, margin: float = 0.0, reduction: str = "mean"
) -> Array:
    """``1 - cos(input1, input2)`` where ``target == 1``, ``max(0, cos - margin)`` where
    ``target == -1``; inputs (N, D) with target (N,), or (D,) with a 0-d target. The cosine
    adds 1e-12 to each squared norm, as torch.

    Example: ``F.cosine_embedding_loss(a, b, labels, margin=0.2)``
    """
    s1, s2, st = _r.shape(input1), _r.shape(input2), _r.shape(target)
    if s1 != s2 or len(s1) not in (1, 2) or len(st) != len(s1) - 1:
        raise ValueError(
            f"cosine_embedding_loss: expected inputs of one shape (N, D) with a "
            f"target (N,), or (D,) with a 0-d target; got {s1}, {s2} and {st}"
        )
    _check_reduction(reduction)
    dot = gnp.sum(input1 * input2, axis=-1)
    m1 = gnp.sum(input1 * input1, axis=-1) + 1e-12
    m2 = gnp.sum(input2 * input2, axis=-1) + 1e-12
    cos = dot / gnp.sqrt(m1 * m2)
    t = data(target)
    loss = gnp.where(t == 1, 1.0 - cos, 0.0) + gnp.where(t == -1, _hinge(cos - margin), 0.0)
    return _reduce(loss, reduction)


def triplet_margin_loss(
    anchor: Array,
    positive: Array,
    negative: Array,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> Array:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with ``d`` the
    ``pairwise_distance``; ``swap`` takes the smaller of ``d(anchor, negative)`` and
    ``d(positive, negative)``. Inputs (N, D) or (D,).

    Example: ``F.triplet_margin_loss(a, pos, neg, margin=0.5)``
    """
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be > 0, got {margin}")
    dims = [len(_r.shape(a)) for a in (anchor, positive, negative)]
    if len(set(dims)) != 1 or dims[0] not in (1, 2):
        raise ValueError(
            f"triplet_margin_loss: anchor, positive and negative must all be "
            f"(N, D) or all (D,), got shapes {_r.shape(anchor)}, "
            f"{_r.shape(positive)} and {_r.shape(negative)}"
        )
    _check_reduction(reduction)
    positive, negative = _like_input(positive, anchor), _like_input(negative, anchor)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = gnp.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(_hinge(margin + d_pos - d_neg), reduction)


def _check_classes(op: str, lab: Any, c: int) -> None:
    raw = data(lab)
    if isinstance(raw, Tensor):  # batched by vmap: every example's labels, checked at once
        raw = raw._data
    if raw.size:
        _vc.run(
            _vc.Check(
                f"{op}_labels",
                lambda xp, i: (i < 0) | (i >= c),
                lambda count, first: IndexError(
                    f"{op}: targets must lie in [0, {c}) for {c} classes; got "
                    f"{count} outside it, the first being {first}"
                ),
                values=lambda xp, i: i,
            ),
            lab,
        )


def multi_margin_loss(
    input: Array,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Array | None = None,
    reduction: str = "mean",
) -> Array:
    """Multi-class hinge loss: per row, ``sum_{i != y} max(0, margin - x[y] + x[i])**p / C``
    (times ``weight[y]``), input (N, C), (C,) or () (one class) and integer targets holding
    one label per row, (N,), (1,) or (); with ``reduction='none'`` the loss has the target's
    shape, as torch.

    Example: ``F.multi_margin_loss(scores, labels)``
    """
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")
    _check_reduction(reduction)
    s = _r.shape(input)
    lab = gnp.asarray(data(target))
    if lab.dtype.kind not in "iu":
        raise TypeError(f"multi_margin_loss: targets must be integers, got dtype {lab.dtype}")
    ls = _r.shape(lab)
    rows = s[0] if len(s) == 2 else 1
    if len(s) > 2 or len(ls) > 1 or math.prod(ls) != rows:
        raise ValueError(
            f"multi_margin_loss: expected input (N, C) with targets (N,), or (C,) or () "
            f"with a target () or (1,); got {s} and {ls}"
        )
    c = s[-1] if s else 1
    x = gnp.reshape(input, (rows, c))
    lab = gnp.reshape(lab, (rows,))
    _check_classes("multi_margin_loss", lab, c)
    li = gnp.expand_dims(lab, -1)
    z = margin - gnp.take_along_axis(x, li, -1) + x
    others = li != gnp.arange(c)
    h = gnp.where(others & (data(z) > 0), z, 0.0)  # torch's backward tests z > 0
    if p == 2:
        h = h * h
    if weight is not None:
        if len(_r.shape(weight)) != 1:
            raise ValueError(f"multi_margin_loss: weight must be 1-d, got {_r.shape(weight)}")
        h = h * gnp.take(_like_input(weight, input, floats=True), li)
    return _reduce(gnp.reshape(gnp.sum(h, axis=-1) / c, ls), reduction)


def multilabel_soft_margin_loss(
    input: Array, target: Array, weight: Array | None = None, reduction: str = "mean"
) -> Array:
    """``-(t log sigmoid(x) + (1 - t) log sigmoid(-x))`` (times ``weight``) averaged over the
    classes (last axis), then reduced over the batch.

    Example: ``F.multilabel_soft_margin_loss(z, multi_hot)``
    """
    _same_shape("multilabel_soft_margin_loss", input, target)
    target, weight = _like_input(target, input), _like_input(weight, input)
    _check_reduction(reduction)
    if not _r.shape(input):
        raise ValueError("multilabel_soft_margin_loss: expected an input with a class axis")
    ls_pos = -_softmax.softplus(-input)
    ls_neg = -_softmax.softplus(input)
    loss = -(target * ls_pos + (1.0 - target) * ls_neg)
    if weight is not None:
        loss = loss * weight
    return _reduce(gnp.mean(loss, axis=-1), reduction)


# ---- modules --------------------------------------------------------------------------------


class _Loss(Module):
    """A loss module: torch's deprecated ``size_average`` and ``reduce`` are refused."""

    def __init__(
        self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        if size_average is not None or reduce is not None:
            raise TypeError(
                f"{type(self).__name__}: size_average and reduce are deprecated in "
                f"torch and not supported; pass reduction='mean', 'sum' or 'none'"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class L1Loss(_Loss):
    """``l1_loss`` as a module. Example: ``nn.L1Loss(reduction='sum')(pred, y)``"""

    def forward(self, input: Array, target: Array) -> Array:
        return l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """``huber_loss`` as a module. Example: ``nn.HuberLoss(delta=0.5)``"""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        if not isinstance(delta, int | float | np.integer | np.floating):
            raise TypeError(f"HuberLoss: delta must be a real number, got {type(delta).__name__}")
        self.delta = delta

    def forward(self, input: Array, target: Array) -> Array:
        return huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """``smooth_l1_loss`` as a module. Example: ``nn.SmoothL1Loss(beta=0.5)``"""

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Array, target: Array) -> Array:
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class KLDivLoss(_Loss):
    """``kl_div`` as a module. Example: ``nn.KLDivLoss(reduction='batchmean')``"""

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Array, target: Array) -> Array:
        return kl_div(input, target, self.reduction, self.log_target)


class BCELoss(_Loss):
    """``binary_cross_entropy`` as a module. Example: ``nn.BCELoss(weight=w)``"""

    def __init__(
        self,
        weight: Array | None = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)  # in state_dict, as torch's

    def forward(self, input: Array, target: Array) -> Array:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class PoissonNLLLoss(_Loss):
    """``poisson_nll_loss`` as a module. Example: ``nn.PoissonNLLLoss(log_input=False)``"""

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: Any = None,
        eps: float = 1e-8,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Array, target: Array) -> Array:
        return poisson_nll_loss(
            log_input, target, self.log_input, self.full, self.eps, self.reduction
        )


class GaussianNLLLoss(_Loss):
    """``gaussian_nll_loss`` as a module. Example: ``nn.GaussianNLLLoss()(mu, y, var)``"""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Array, target: Array, var: Array | float) -> Array:
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class _MarginLoss(_Loss):
    _fn: Any = None

    def __init__(
        self,
        margin: float = 0.0,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class MarginRankingLoss(_MarginLoss):
    """``margin_ranking_loss`` as a module. Example: ``nn.MarginRankingLoss(margin=0.1)``"""

    def forward(self, input1: Array, input2: Array, target: Array) -> Array:
        return margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class CosineEmbeddingLoss(_MarginLoss):
    """``cosine_embedding_loss`` as a module. Example: ``nn.CosineEmbeddingLoss(0.2)``"""

    def forward(self, input1: Array, input2: Array, target: Array) -> Array:
        return cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """``hinge_embedding_loss`` as a module. Example: ``nn.HingeEmbeddingLoss(margin=2.0)``"""

    def __init__(
        self,
        margin: float = 1.0,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input: Array, target: Array) -> Array:
        return hinge_embedding_loss(input, target, self.margin, self.reduction)


class SoftMarginLoss(_Loss):
    """``soft_margin_loss`` as a module. Example: ``nn.SoftMarginLoss()``"""

    def forward(self, input: Array, target: Array) -> Array:
        return soft_margin_loss(input, target, self.reduction)


class TripletMarginLoss(_Loss):
    """``triplet_margin_loss`` as a module. Example: ``nn.TripletMarginLoss(margin=0.5)``"""

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be > 0, got {margin}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Array, positive: Array, negative: Array) -> Array:
        return triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap, self.reduction
        )


class MultiMarginLoss(_Loss):
    """``multi_margin_loss`` as a module. Example: ``nn.MultiMarginLoss(p=2)``"""

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Array | None = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p}")
        self.p, self.margin = p, margin
        self.register_buffer("weight", weight)

    def forward(self, input: Array, target: Any) -> Array:
        return multi_margin_loss(input, target, self.p, self.margin, self.weight, self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """``multilabel_soft_margin_loss`` as a module. Example: ``nn.MultiLabelSoftMarginLoss()``"""

    def __init__(
        self,
        weight: Array | None = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)  # in state_dict, as torch's

    def forward(self, input: Array, target: Array) -> Array:
        return multilabel_soft_margin_loss(input, target, self.weight, self.reduction)


class NLLLoss(_Loss):
    """``nll_loss`` as a module. Example: ``nn.NLLLoss(weight=w, ignore_index=0)``"""

    def __init__(
        self,
        weight: Array | None = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.register_buffer("weight", weight)

    def forward(self, input: Array, target: Any) -> Array:
        return nll_loss(
            input, target, self.reduction, weight=self.weight, ignore_index=self.ignore_index
        )
