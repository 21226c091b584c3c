"""optax's losses, elementwise or per example (no reduction, as optax): written with
``gpuad.numpy`` so they differentiate."""

from __future__ import annotations

import functools as _functools
import math as _math
from typing import Any

import numpy as _np

from .. import jax_nn as _jnn
from .. import numpy as gnp
from ._base import _on_device


def _device_args(fn: Any) -> Any:
    """``fn`` with its host (NumPy) array arguments put on the active backend first, as JAX
    takes NumPy labels and masks next to device logits."""

    def move(x: Any) -> Any:
        return _on_device(x) if isinstance(x, _np.ndarray) else x

    @_functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        return fn(*map(move, args), **{k: move(v) for k, v in kwargs.items()})

    return run


def _like(labels: Any, x: Any) -> Any:
    """Integer or boolean ``labels`` in the float dtype of ``x``: JAX promotes an integer
    array with a float32 one to float32 (NumPy's rule would give float64)."""
    ld, xd = getattr(labels, "dtype", None), getattr(x, "dtype", None)
    if ld is not None and xd is not None and ld.kind in "biu" and xd.kind in "fc":
        return labels.astype(xd)
    return labels


def _log_sigmoid(x: Any) -> Any:
    return -gnp.logaddexp(0.0, -x)


@_device_args
def softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1, where: Any = None) -> Any:
    """``-sum(labels * log_softmax(logits), axis)``: one loss per example; ``where`` (shaped
    as the logits, or as the result) keeps only some classes (or examples).

    Example::

        softmax_cross_entropy(logits, one_hot_labels).mean()
    """
    _float_check("softmax_cross_entropy", logits)
    where = _where_like(where, logits, axis)
    logp = _jnn.log_softmax(logits, axis=axis, where=where)
    return -_masked_sum(_like(labels, logits) * logp, axis, where)


@_device_args
def softmax_cross_entropy_with_integer_labels(
    logits: Any, labels: Any, axis: int = -1, where: Any = None
) -> Any:
    """``logsumexp(logits, axis) - logits[..., label]`` with integer class ``labels``
    (shape ``logits`` without ``axis``); ``where`` (shaped as the logits, or as the result)
    keeps only some classes, and an example with none kept gives 0.

    Example::

        softmax_cross_entropy_with_integer_labels(logits, np.array([0, 2])).mean()
    """
    name = "softmax_cross_entropy_with_integer_labels"
    _float_check(name, logits)
    if getattr(getattr(labels, "dtype", None), "kind", "i") not in "iu":
        raise TypeError(f"{name}: labels must be integers, got dtype {labels.dtype}")
    if isinstance(axis, tuple | list):
        # the class axes moved last and merged into one, a label a flat index into them
        axes = tuple(_check_axis(name, a, logits) for a in axis)
        batch = tuple(k for k in range(logits.ndim) if k not in axes)
        shape = tuple(logits.shape[k] for k in batch) + (-1,)
        logits = gnp.reshape(gnp.transpose(logits, batch + axes), shape)
        if where is not None and gnp.ndim(where) == len(batch) + len(axes):
            where = gnp.reshape(gnp.transpose(where, batch + axes), shape)
        axis = len(batch)
    elif isinstance(axis, int):
        axis = _check_axis(name, axis, logits)
    else:
        raise TypeError(
            f"{name}: axis must be an int or a tuple of ints, got {type(axis).__name__}"
        )
    expected = tuple(s for k, s in enumerate(logits.shape) if k != axis)
    if tuple(labels.shape) != expected:
        raise ValueError(
            f"{name}: labels of shape {tuple(labels.shape)} for logits of shape "
            f"{tuple(logits.shape)}; labels must have shape {expected}"
        )
    where = _where_like(where, logits, axis)
    picked = gnp.take_along_axis(logits, gnp.expand_dims(labels, axis), axis=axis)
    out = _jnn.logsumexp(logits, axis=axis, where=where) - gnp.squeeze(picked, axis=axis)
    if where is not None:
        out = gnp.where(gnp.any(where, axis=axis), out, 0.0)
    return out


@_device_args
def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> Any:
    """``-labels * log(sigmoid(logits)) - (1 - labels) * log(1 - sigmoid(logits))``,
    elementwise and stable for large logits.

    Example::

        sigmoid_binary_cross_entropy(logits, targets).mean()
    """
    labels = _like(labels, logits)
    return -labels * _log_sigmoid(logits) - (1 - labels) * _log_sigmoid(-logits)


@_device_args
def squared_error(predictions: Any, targets: Any = None) -> Any:
    """``(predictions - targets)**2`` elementwise (``predictions**2`` without targets).

    Example::

        squared_error(y_hat, y).mean()
    """
    if targets is not None and tuple(gnp.shape(targets)) != tuple(gnp.shape(predictions)):
        raise ValueError(
            f"squared_error: predictions of shape {tuple(gnp.shape(predictions))} and targets "
            f"of shape {tuple(gnp.shape(targets))} differ (optax asserts equal shapes rather "
            f"than broadcast); reshape one of them"
        )
    errors = predictions if targets is None else predictions - _like(targets, predictions)
    return errors * errors


@_device_args
def l2_loss(predictions: Any, targets: Any = None) -> Any:
    """Half the squared error, elementwise.

    Example::

        l2_loss(y_hat, y).sum()
    """
    return 0.5 * squared_error(predictions, targets)


@_device_args
def huber_loss(predictions: Any, targets: Any = None, delta: float = 1.0) -> Any:
    """``0.5 * e**2`` where ``|e| <= delta``, ``delta * (|e| - delta / 2)`` elsewhere.

    Example::

        huber_loss(y_hat, y, delta=1.0).mean()
    """
    errors = predictions if targets is None else predictions - _like(targets, predictions)
    abs_errors = gnp.abs(errors)
    quadratic = gnp.minimum(abs_errors, delta)
    return 0.5 * quadratic * quadratic + delta * (abs_errors - quadratic)


def _where_like(where: Any, x: Any, axis: Any) -> Any:
    """``where`` given per example (one dimension less than ``x``) put back on ``axis``."""
    if where is not None and gnp.ndim(where) != x.ndim:
        where = gnp.expand_dims(where, axis)
    return where


def _masked_sum(x: Any, axis: Any, where: Any) -> Any:
    """``sum(x, axis)`` over the entries ``where`` keeps (those it drops read as 0, so a
    NaN or infinity there does not reach the value or the gradient)."""
    if where is None:
        return gnp.sum(x, axis=axis)
    return gnp.sum(gnp.where(where, x, 0.0), axis=axis)


def _check_axis(name: str, axis: int, x: Any) -> int:
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"{name}: axis {axis} is out of bounds for logits of shape {tuple(x.shape)}"
        )
    return axis % x.ndim


def _float_check(name: str, x: Any, what: str = "logits") -> None:
    kind = getattr(getattr(x, "dtype", None), "kind", "f")
    if kind not in "fc":
        raise TypeError(f"{name}: {what} must be floating point, got dtype {x.dtype}")


@_device_args
def safe_softmax_cross_entropy(logits: Any, labels: Any) -> Any:
    """:func:`softmax_cross_entropy` over the last axis, reading ``0 * log(0)`` as 0: a
    ``-inf`` logit with label 0 gives a finite loss and gradient (NaN in the plain one).

    Example::

        safe_softmax_cross_entropy(np.array([[0.0, -np.inf]]), np.array([[1.0, 0.0]]))  # [0.]
    """
    _float_check("safe_softmax_cross_entropy", logits)
    labels = _like(labels, logits)
    logp = _jnn.log_softmax(logits, axis=-1)
    keep = labels != 0
    return -gnp.sum(gnp.where(keep, labels * gnp.where(keep, logp, 0.0), 0.0), axis=-1)


@_device_args
def poly_loss_cross_entropy(
    logits: Any, labels: Any, *, epsilon: float = 2.0, axis: int = -1, where: Any = None
) -> Any:
    """PolyLoss-1 (Leng et al., 2022): ``softmax_cross_entropy + epsilon * sum(labels * (1 -
    softmax(logits)), axis)``.

    Example::

        poly_loss_cross_entropy(logits, np.eye(5)[:4], epsilon=2.0).mean()
    """
    _float_check("poly_loss_cross_entropy", logits)
    where = _where_like(where, logits, axis)
    labels = _like(labels, logits)
    p = _jnn.softmax(logits, axis=axis, where=where)
    one_minus_pt = _masked_sum(labels * (1 - p), axis, where)
    ce = softmax_cross_entropy(logits, labels, axis=axis, where=where)
    return ce + epsilon * one_minus_pt


@_device_args
def sigmoid_focal_loss(
    logits: Any, labels: Any, *, alpha: float | None = None, gamma: float = 2.0
) -> Any:
    """Focal loss (Lin et al., 2017): ``sigmoid_binary_cross_entropy * (1 - p_t)**gamma``,
    ``p_t = sigmoid(logits)`` where the label is 1 and ``1 - sigmoid(logits)`` where it is
    0, weighted by ``alpha`` (positives) and ``1 - alpha`` (negatives) when given.

    Example::

        sigmoid_focal_loss(logits, np.eye(5)[:4], alpha=0.25, gamma=2.0).mean()
    """
    _float_check("sigmoid_focal_loss", logits)
    labels = _like(labels, logits)
    ce = sigmoid_binary_cross_entropy(logits, labels)
    # log(1 - p_t) = log_sigmoid(-z) with z = logits where the label is 1 (-logits at 0),
    # interpolated for soft labels: finite for any logits and any gamma
    log_q = labels * _log_sigmoid(-logits) + (1 - labels) * _log_sigmoid(logits)
    loss = ce * gnp.exp(gamma * log_q)
    if alpha is not None:
        loss = (alpha * labels + (1 - alpha) * (1 - labels)) * loss
    return loss


@_device_args
def hinge_loss(predictor_outputs: Any, targets: Any) -> Any:
    """``max(0, 1 - outputs * targets)``, targets in ``{-1, 1}``.

    Example::

        hinge_loss(np.array([0.5, 0.5]), np.array([1.0, -1.0]))  # [0.5, 1.5]
    """
    return gnp.maximum(0, 1 - predictor_outputs * _like(targets, predictor_outputs))


@_device_args
def perceptron_loss(predictor_outputs: Any, targets: Any) -> Any:
    """``max(0, -outputs * targets)``, targets in ``{-1, 1}`` (same shape as the outputs).

    Example::

        perceptron_loss(np.array([0.5, 0.5]), np.array([1.0, -1.0]))  # [0., 0.5]
    """
    if tuple(gnp.shape(predictor_outputs)) != tuple(gnp.shape(targets)):
        raise ValueError(
            f"perceptron_loss: predictor_outputs of shape {tuple(gnp.shape(predictor_outputs))} "
            f"and targets of shape {tuple(gnp.shape(targets))}; give them the same shape"
        )
    return gnp.maximum(0, -predictor_outputs * _like(targets, predictor_outputs))


def _one_hot_of(labels: Any, scores: Any) -> Any:
    return _jnn.one_hot(labels, scores.shape[-1], dtype=scores.dtype)


@_device_args
def multiclass_hinge_loss(scores: Any, labels: Any) -> Any:
    """``max_k(scores_k + 1 - [k == label]) - scores_label``: Crammer and Singer's
    multiclass hinge, integer ``labels``.

    Example::

        multiclass_hinge_loss(np.array([[1.0, 2.0, 0.5]]), np.array([1]))  # [0.]
    """
    one_hot = _one_hot_of(labels, scores)
    return gnp.max(scores + 1.0 - one_hot, axis=-1) - gnp.sum(scores * one_hot, axis=-1)


@_device_args
def multiclass_perceptron_loss(scores: Any, labels: Any) -> Any:
    """``max_k scores_k - scores_label``, integer ``labels``.

    Example::

        multiclass_perceptron_loss(np.array([[1.0, 2.0, 0.5]]), np.array([0]))  # [1.]
    """
    one_hot = _one_hot_of(labels, scores)
    return gnp.max(scores, axis=-1) - gnp.sum(scores * one_hot, axis=-1)


@_device_args
def log_cosh(predictions: Any, targets: Any = None) -> Any:
    """``log(cosh(predictions - targets))`` elementwise, stable for large errors.

    Example::

        log_cosh(y_hat, y).mean()
    """
    e = predictions if targets is None else predictions - _like(targets, predictions)
    return gnp.logaddexp(e, -e) - _math.log(2.0)


@_device_args
def cosine_similarity(
    predictions: Any, targets: Any, epsilon: float = 0.0, axis: int = -1, where: Any = None
) -> Any:
    """``<p, t> / (max(|p|, epsilon) * max(|t|, epsilon))`` along ``axis``.

    Example::

        cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0]))  # 0.7071...
    """
    targets = _like(targets, predictions)

    def unit(x):
        n2 = _masked_sum(x * x, axis, where)
        return x / gnp.expand_dims(gnp.sqrt(gnp.maximum(n2, epsilon * epsilon)), axis)

    return _masked_sum(unit(predictions) * unit(targets), axis, where)


@_device_args
def cosine_distance(
    predictions: Any, targets: Any, epsilon: float = 0.0, axis: int = -1, where: Any = None
) -> Any:
    """``1 - cosine_similarity(predictions, targets, epsilon, axis, where)``.

    Example::

        cosine_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0]))  # 1.0
    """
    return 1.0 - cosine_similarity(predictions, targets, epsilon, axis, where)


@_device_args
def kl_divergence(log_predictions: Any, targets: Any, axis: int = -1, where: Any = None) -> Any:
    """``sum(targets * (log(targets) - log_predictions), axis)``, ``0 * log 0`` read as 0.

    Example::

        kl_divergence(np.log([0.5, 0.5]), np.array([0.25, 0.75]))  # KL(p || q)
    """
    _float_check("kl_divergence", log_predictions, "log_predictions")
    targets = _like(targets, log_predictions)
    positive = targets > 0
    log_t = gnp.log(gnp.where(positive, targets, 1.0))
    return _masked_sum(targets * (log_t - log_predictions), axis, where)


@_device_args
def kl_divergence_with_log_targets(
    log_predictions: Any, log_targets: Any, axis: int = -1, where: Any = None
) -> Any:
    """``sum(exp(log_targets) * (log_targets - log_predictions), axis)``.

    Example::

        kl_divergence_with_log_targets(np.log([0.5, 0.5]), np.log([0.25, 0.75]))
    """
    _float_check("kl_divergence_with_log_targets", log_predictions, "log_predictions")
    return _masked_sum(gnp.exp(log_targets) * (log_targets - log_predictions), axis, where)


@_device_args
def generalized_kl_divergence(
    log_predictions: Any, targets: Any, axis: int = -1, where: Any = None
) -> Any:
    """:func:`kl_divergence` plus ``sum(exp(log_predictions) - targets, axis)``: the KL
    divergence of unnormalised distributions (convex in ``exp(log_predictions)``).

    Example::

        generalized_kl_divergence(np.log([0.5, 0.5]), np.array([0.25, 0.75]))
    """
    targets = _like(targets, log_predictions)
    kl = kl_divergence(log_predictions, targets, axis=axis, where=where)
    return kl + _masked_sum(gnp.exp(log_predictions) - targets, axis, where)


convex_kl_divergence = generalized_kl_divergence


@_device_args
def smooth_labels(labels: Any, alpha: float) -> Any:
    """``(1 - alpha) * labels + alpha / num_classes``: label smoothing of one-hot labels
    along the last axis.

    Example::

        smooth_labels(np.array([0.0, 1.0]), 0.1)  # [0.05, 0.95]
    """
    num = labels.shape[-1]
    return (1.0 - alpha) * labels + alpha / num


@_device_args
def ctc_loss_with_forward_probs(
    logits: Any,
    logit_paddings: Any,
    labels: Any,
    label_paddings: Any,
    *,
    blank_id: int = 0,
    log_epsilon: float = -1e5,
) -> tuple[Any, Any, Any]:
    """CTC (Graves et al., 2006) of ``logits`` (B, T, K) against right-padded integer
    ``labels`` (B, N), paddings 1.0 where padded: ``(loss (B,), log_alpha_blank (T, B,
    N + 1), log_alpha_label (T, B, N))``, the forward recursion over the blank-separated
    label sequence in log space (``log_epsilon`` standing for ``log 0``).

    Example::

        logits = np.zeros((1, 3, 4))  # batch 1, 3 frames, 4 classes (0 the blank)
        loss, _, _ = ctc_loss_with_forward_probs(logits, np.zeros((1, 3)), np.array([[1, 2]]),
                                                 np.zeros((1, 2)))
    """
    if logits.ndim != 3 or gnp.ndim(labels) != 2:
        raise ValueError(
            f"ctc_loss: logits must be (B, T, K) and labels (B, N), got {tuple(logits.shape)} "
            f"and {tuple(gnp.shape(labels))}"
        )
    b, t_max, k = logits.shape
    n = gnp.shape(labels)[1]
    if tuple(gnp.shape(label_paddings)) != (b, n) or tuple(gnp.shape(logit_paddings)) != (b, t_max):
        raise ValueError(
            f"ctc_loss: logit_paddings {tuple(gnp.shape(logit_paddings))} and label_paddings "
            f"{tuple(gnp.shape(label_paddings))} must be (B, T) = {(b, t_max)} and (B, N) = "
            f"{(b, n)}"
        )
    dt = logits.dtype
    logp = _jnn.log_softmax(logits, axis=-1)
    lens = n - gnp.sum(label_paddings, axis=1).astype(_np.int32)
    same = (labels[:, :-1] == labels[:, 1:]).astype(dt)
    repeat = gnp.concatenate([same, gnp.zeros((b, 1), dtype=dt)], axis=1)  # [B, N]
    blank = logp[:, :, blank_id]  # [B, T]
    emit = gnp.einsum("btk,bnk->btn", logp, _jnn.one_hot(labels, k, dtype=dt))  # [B, T, N]
    pads = _like(logit_paddings, logits)

    def absorb(phi, added):  # phi[:, 1:] logaddexp'ed with ``added``
        return gnp.concatenate([phi[:, :1], gnp.logaddexp(phi[:, 1:], added)], axis=1)

    start = _np.full((b, n + 1), log_epsilon)
    start[:, 0] = 0.0
    phi = gnp.asarray(start.astype(_np.dtype(dt)))
    lab = gnp.full((b, n), log_epsilon, dtype=dt)
    phis, labs = [], []
    for t in range(t_max):
        pad = pads[:, t : t + 1]
        # a label may hand on to the following blank, unless the next label repeats it
        phi_in = absorb(phi, lab + log_epsilon * repeat)
        new_lab = gnp.logaddexp(phi_in[:, :-1] + emit[:, t], lab + emit[:, t])
        new_phi = absorb(
            phi_in + blank[:, t : t + 1], lab + blank[:, t : t + 1] + log_epsilon * (1.0 - repeat)
        )
        lab = pad * lab + (1.0 - pad) * new_lab
        phi = pad * phi + (1.0 - pad) * new_phi
        phis.append(phi)
        labs.append(lab)
    last = absorb(phis[-1], labs[-1])
    phis[-1] = last
    loss = -gnp.sum(last * _jnn.one_hot(lens, n + 1, dtype=dt), axis=1)
    return loss, gnp.stack(phis), gnp.stack(labs)


@_device_args
def ctc_loss(
    logits: Any,
    logit_paddings: Any,
    labels: Any,
    label_paddings: Any,
    *,
    blank_id: int = 0,
    log_epsilon: float = -1e5,
) -> Any:
    """The CTC loss per sequence (B,); see :func:`ctc_loss_with_forward_probs`.

    Example::

        ctc_loss(np.zeros((1, 3, 4)), np.zeros((1, 3)), np.array([[1, 2]]), np.zeros((1, 2)))
    """
    return ctc_loss_with_forward_probs(
        logits, logit_paddings, labels, label_paddings, blank_id=blank_id, log_epsilon=log_epsilon
    )[0]


@_device_args
def _unwrap(f: Any) -> Any:
    while hasattr(f, "__wrapped__"):
        f = f.__wrapped__
    return f


def ranking_softmax_loss(
    logits: Any,
    labels: Any,
    *,
    where: Any = None,
    weights: Any = None,
    reduce_fn: Any = gnp.mean,
) -> Any:
    """``-sum_i y_i log softmax(s)_i`` over the last axis (the list), items ``where`` keeps
    only, labels times ``weights``; lists reduced by ``reduce_fn`` (``gnp.mean``,
    ``gnp.sum`` or ``None``; a mean over no valid list is 0).

    Example::

        ranking_softmax_loss(np.array([2.0, 1.0, 3.0]), np.array([1.0, 0.0, 0.0]))  # 1.408
    """
    _float_check("ranking_softmax_loss", logits)
    labels = gnp.asarray(labels).astype(logits.dtype)
    if where is not None:
        labels = gnp.where(where, labels, 0.0)
    if weights is not None:
        labels = labels * weights
    logp = _jnn.log_softmax(logits, axis=-1, where=where)
    loss = -_masked_sum(labels * logp, -1, where)
    valid = None if where is None else gnp.any(where, axis=-1)
    if reduce_fn is None:
        return loss if valid is None else gnp.where(valid, loss, 0.0)
    out = reduce_fn(loss, where=valid) if valid is not None else reduce_fn(loss)
    # (unwrapped: an autocast block replaces gnp.mean by a wrapper after the default was bound)
    if _unwrap(reduce_fn) is _unwrap(gnp.mean) and valid is not None:
        # a mean over no valid list is 0, unless the loss itself holds a NaN
        out = gnp.where(gnp.isnan(out) & ~gnp.any(gnp.isnan(gnp.where(valid, loss, 0.0))), 0.0, out)
    return out
