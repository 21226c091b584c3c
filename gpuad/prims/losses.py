"""Fused losses: softmax cross-entropy."""

from __future__ import annotations

from .._raw import _xp, data, shape
from .core import prim

# ---- fused losses ------------------------------------------------------------------------------

def _xent_fwd(xp, logits, labels):
    from .._value_checks import deferred
    from ..backends import _by_array_type, xent

    be = _by_array_type[type(logits)]
    collect = deferred.collect
    if collect is not None and be.name != "numpy":  # a CUDA graph captures: no host read
        labels = xent.check_label_types(xp, logits, labels)
        return xent.loss_deferred_check(be, logits, labels, collect)
    labels = xent.check_labels(xp, logits, labels)  # label -1 is an error, not the last class
    return be.softmax_xent_forward(logits, labels)


def _xent_dir(ans, logits, labels):
    """d loss_r / d logits_r = softmax(logits_r) - onehot(label_r).

    softmax_rj = exp((x_rj - picked_r) - loss_r) (no log-sum-exp rounded at the scale of the
    logits), and at the label softmax - 1 = expm1(-loss_r), exact as the loss goes to zero.
    """
    xp = _xp(logits)
    r, c = shape(logits)
    col = (slice(None), None)
    labels = data(labels)  # inside vmap: a batched constant, so no in-place writes here
    picked = getitem(logits, (xp.arange(r), labels))
    p = exp((logits - getitem(picked, col)) - getitem(ans, col))
    at_label = equal(getitem(labels, col), xp.arange(c))
    return where(at_label, getitem(expm1(-ans), col), p)


softmax_cross_entropy = prim(
    "softmax_cross_entropy", _xent_fwd,
    vjp=[lambda g, ans, logits, labels: getitem(g, (slice(None), None)) * _xent_dir(
        ans, logits, labels), None],
    jvp=[lambda t, ans, logits, labels: sum(t * _xent_dir(ans, logits, labels), 1), None])
softmax_cross_entropy.__doc__ = """Per-row cross-entropy of (R, C) logits against int labels (R,).

Numerically stable, to full relative precision near zero loss; one fused Numba kernel per pass
on the GPU. The adjoint is ``g * (softmax - onehot)``. Labels outside ``[0, C)`` raise
``IndexError``, non-integer labels ``TypeError``.
"""


# names of the other families, which the formulas call (imported last: the families
# use one another)
from .elementwise import exp, expm1, where  # noqa: E402
from .indexing import getitem  # noqa: E402
from .nondiff import equal  # noqa: E402
from .reductions import sum  # noqa: E402
