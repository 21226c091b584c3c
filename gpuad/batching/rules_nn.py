"""Batching rules of the fused neural-network primitives (softmax cross-entropy).

The rest of gpuad.nn.functional is built from primitives whose rules live with their families
(entrywise ops, reductions, reshapes, indexing, matmul).
"""

from __future__ import annotations

from .. import _links
from ..prims.losses import softmax_cross_entropy
from . import batch_size, register
from .rules import _front

_R = None  # gpuad.numpy's functions
_links.need("ops", globals(), "_R")


def _xent(args, dims, params):
    """(B, R, C) logits and (B, R) labels are B*R rows of one call."""
    (logits, labels), (dl, db) = args, dims
    b = batch_size(args, dims)
    if dl is None:
        logits = _R.broadcast_to(_R.expand_dims(logits, 0), (b,) + tuple(_R.shape(logits)))
    else:
        logits = _front(logits, dl)
    _, r, c = _R.shape(logits)
    if db is None:
        labels = _R.broadcast_to(_R.expand_dims(labels, 0), (b, r))
    else:
        labels = _front(labels, db)
    out = softmax_cross_entropy(_R.reshape(logits, (b * r, c)), _R.reshape(labels, (b * r,)))
    return _R.reshape(out, (b, r)), 0


register("softmax_cross_entropy", _xent)
