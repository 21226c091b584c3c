"""Softmax cross-entropy rows on any NumPy-compatible namespace: label checks and a forward
that keeps full relative precision down to losses near zero.

Example::

    import numpy as np
    from gpuad.backends.xent import check_labels, rows_loss
    x = np.array([[0.0, 188.0, 176.6]], np.float32)
    check_labels(np, x, np.array([1]))
    rows_loss(np, x, np.array([1]))   # [1.1195e-05], as float64 gives
"""

from __future__ import annotations

from typing import Any

import numpy as _np


def check_labels(xp: Any, logits: Any, labels: Any) -> Any:
    """Validate (R, C) ``logits`` against integer ``labels`` (R,) in ``[0, C)``; return labels.

    Raises ``TypeError`` for non-integer labels, ``ValueError`` for shapes and ``IndexError``
    for a label outside ``[0, C)`` (``-1`` is not "the last class"). The range test is one
    comparison and one reduction: negative labels, viewed as unsigned integers of the same width,
    are larger than any class count. On a GPU the reduction's single boolean is read back to
    the host, which waits for the work queued before it (one synchronisation per call).
    """
    labels = check_label_types(xp, logits, labels)
    n_classes = int(logits.shape[1])
    outside = _outside(labels, n_classes)
    if bool(outside.any()):  # the host synchronisation mentioned above
        bad = labels[(labels < 0) | (labels >= n_classes)]
        raise label_error(n_classes, int(bad.size), int(bad[0]))
    return labels


def check_label_types(xp: Any, logits: Any, labels: Any) -> Any:
    """The checks of :func:`check_labels` that read no values: dtype and shapes."""
    labels = xp.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    if len(logits.shape) != 2 or tuple(labels.shape) != tuple(logits.shape[:1]):
        raise ValueError(f"expected logits (N, C) and labels (N,), got {tuple(logits.shape)} "
                         f"and {tuple(labels.shape)}")
    return labels


def _outside(labels: Any, n_classes: int) -> Any:
    """Where ``labels`` lies outside ``[0, n_classes)``: one comparison (a negative value,
    read as unsigned, is above the type's max, hence >= n_classes)."""
    if labels.dtype.kind == "u":
        return labels >= n_classes
    if n_classes > _np.iinfo(labels.dtype).max:  # every non-negative value is a class
        return labels < 0
    return labels.view(_np.dtype(f"u{labels.dtype.itemsize}")) >= n_classes


def label_error(n_classes: int, count: int, first: int) -> IndexError:
    """The error for ``count`` labels outside ``[0, n_classes)``, ``first`` the first of them
    (cross_entropy skips its ``ignore_index`` before this check: the message says so)."""
    return IndexError(f"labels must lie in [0, {n_classes}) for {n_classes} classes; got "
                      f"{count} outside it, the first being {first} (cross_entropy skips the "
                      f"labels equal to its ignore_index, -100 unless given, and checks the "
                      f"others)")


def label_check(n_classes: int):
    """The label check as a :class:`gpuad._value_checks.Check` (its ``info``: the count of
    labels outside ``[0, n_classes)`` and the first of them), for a CUDA graph, where the
    check may not read the device: see :func:`loss_deferred_check`."""
    from .._value_checks import Check

    return Check("cross_entropy_labels", lambda xp, labels: _outside(labels, n_classes),
                 lambda count, first: label_error(n_classes, count, first),
                 values=lambda xp, labels: labels)


def loss_deferred_check(be: Any, logits: Any, labels: Any, collect: Any) -> Any:
    """The forward while a CUDA graph captures: the label check is not read on the host
    (that would synchronise) but handed to ``collect`` (the graph reads it after a launch
    and raises then), and rows with a label outside ``[0, C)`` get a NaN loss (and so a NaN
    gradient: the adjoint reads the loss), never a finite value of another class."""
    from .._value_checks import count_first

    xp = be.xp
    bad = _outside(labels, int(logits.shape[1]))
    collect(label_check(int(logits.shape[1])), count_first(xp, bad, labels))
    loss = be.softmax_xent_forward(logits, labels)
    return xp.where(bad, loss.dtype.type(_np.nan), loss)


def rows_loss(xp: Any, logits: Any, labels: Any) -> Any:
    """``logsumexp(logits[r]) - logits[r, labels[r]]`` per row, accurate near zero.

    Written as ``(max_r - picked_r) + log1p(sum_{j != argmax} exp(x_rj - max_r))``: the sum
    leaves out the max term (exactly 1), so ``log1p`` sees the small remainder itself instead of
    ``1 + remainder`` rounded, and the max is never added to and then subtracted from a small
    number. Labels must already be checked.
    """
    n_rows = logits.shape[0]
    if n_rows == 0:
        return xp.zeros((0,), dtype=logits.dtype)
    rows = xp.arange(n_rows)
    top = logits.argmax(axis=1)
    m = logits[rows, top]
    e = xp.exp(logits - m[:, None])
    e[rows, top] = 0
    return (m - logits[rows, labels]) + xp.log1p(e.sum(axis=1))
