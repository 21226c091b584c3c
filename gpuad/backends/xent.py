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
    labels = xp.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    if len(logits.shape) != 2 or tuple(labels.shape) != tuple(logits.shape[:1]):
        raise ValueError(f"expected logits (N, C) and labels (N,), got {tuple(logits.shape)} "
                         f"and {tuple(labels.shape)}")
    n_classes = int(logits.shape[1])
    if labels.dtype.kind == "u":
        outside = labels >= n_classes
    elif n_classes > _np.iinfo(labels.dtype).max:  # every non-negative value is a class
        outside = labels < 0
    else:  # a negative value, read as unsigned, is above the type's max, hence >= n_classes
        outside = labels.view(_np.dtype(f"u{labels.dtype.itemsize}")) >= n_classes
    if bool(outside.any()):  # the host synchronisation mentioned above
        bad = labels[(labels < 0) | (labels >= n_classes)]
        raise IndexError(
            f"labels must lie in [0, {n_classes}) for {n_classes} classes; got "
            f"{int(bad.size)} outside it, the first being {int(bad[0])}"
        )
    return labels


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
