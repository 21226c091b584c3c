"""optax's losses, elementwise or per example (no reduction, as optax): written with
``gpuad.numpy`` so they differentiate."""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp


def _like(labels: Any, x: Any) -> Any:
    """Integer or boolean ``labels`` in the float dtype of ``x``: JAX promotes an integer
    array with a float32 one to float32 (NumPy's rule would give float64)."""
    ld, xd = getattr(labels, "dtype", None), getattr(x, "dtype", None)
    if ld is not None and xd is not None and ld.kind in "biu" and xd.kind in "fc":
        return labels.astype(xd)
    return labels


def _log_softmax(logits: Any, axis: int) -> Any:
    return logits - gnp.logsumexp(logits, axis=axis, keepdims=True)


def _log_sigmoid(x: Any) -> Any:
    return -gnp.logaddexp(0.0, -x)


def softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1) -> Any:
    """``-sum(labels * log_softmax(logits), axis)``: one loss per example.

    Example::

        softmax_cross_entropy(logits, one_hot_labels).mean()
    """
    return -gnp.sum(_like(labels, logits) * _log_softmax(logits, axis), axis=axis)


def softmax_cross_entropy_with_integer_labels(logits: Any, labels: Any, axis: int = -1) -> Any:
    """``-log_softmax(logits)[..., label]`` with integer class ``labels`` (shape ``logits``
    without ``axis``).

    Example::

        softmax_cross_entropy_with_integer_labels(logits, np.array([0, 2])).mean()
    """
    expected = tuple(s for k, s in enumerate(logits.shape) if k != axis % logits.ndim)
    if tuple(labels.shape) != expected:
        raise ValueError(
            f"softmax_cross_entropy_with_integer_labels: labels of shape {tuple(labels.shape)} "
            f"for logits of shape {tuple(logits.shape)}; labels must have shape {expected}"
        )
    logp = _log_softmax(logits, axis)
    picked = gnp.take_along_axis(logp, gnp.expand_dims(labels, axis), axis=axis)
    return -gnp.squeeze(picked, axis=axis)


def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> Any:
    """``-labels * log(sigmoid(logits)) - (1 - labels) * log(1 - sigmoid(logits))``,
    elementwise and stable for large logits.

    Example::

        sigmoid_binary_cross_entropy(logits, targets).mean()
    """
    labels = _like(labels, logits)
    return -labels * _log_sigmoid(logits) - (1 - labels) * _log_sigmoid(-logits)


def squared_error(predictions: Any, targets: Any = None) -> Any:
    """``(predictions - targets)**2`` elementwise (``predictions**2`` without targets).

    Example::

        squared_error(y_hat, y).mean()
    """
    errors = predictions if targets is None else predictions - _like(targets, predictions)
    return errors * errors


def l2_loss(predictions: Any, targets: Any = None) -> Any:
    """Half the squared error, elementwise.

    Example::

        l2_loss(y_hat, y).sum()
    """
    return 0.5 * squared_error(predictions, targets)


def huber_loss(predictions: Any, targets: Any = None, delta: float = 1.0) -> Any:
    """``0.5 * e**2`` where ``|e| <= delta``, ``delta * (|e| - delta / 2)`` elsewhere.

    Example::

        huber_loss(y_hat, y, delta=1.0).mean()
    """
    errors = predictions if targets is None else predictions - _like(targets, predictions)
    abs_errors = gnp.abs(errors)
    quadratic = gnp.minimum(abs_errors, delta)
    return 0.5 * quadratic * quadratic + delta * (abs_errors - quadratic)
