"""Connectionist temporal classification loss, as torch's ``ctc_loss`` and ``CTCLoss``.

The loss of one sequence is ``-log p(target | log_probs)``, the log of the summed
probability of every frame-wise labelling that collapses (repeats merged, blanks dropped) to
the target. It is computed by the forward (alpha) recursion over the target with a blank
between labels, in log space, built from differentiable gpuad operations: its gradients (of
every order) are those of this function. torch's own backward assumes ``log_probs`` come
from a ``log_softmax`` and returns the gradient with respect to the logits beneath it; the
two agree once carried through that ``log_softmax``.

Example::

    loss = F.ctc_loss(log_probs, targets, input_lengths, target_lengths)   # (T, N, C) input
    nn.CTCLoss(blank=0, reduction="mean", zero_infinity=True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import _xp, data
from .modules import Module

Array = Any


def _host_ints(v: Any, what: str, n: int) -> np.ndarray:
    a = data(v) if not isinstance(v, list | tuple | int | np.integer) else v
    a = np.asarray(a.get() if hasattr(a, "get") else a)
    if a.dtype.kind not in "iu" and a.size:
        raise TypeError(f"ctc_loss: {what} must be integers, got dtype {a.dtype}")
    a = a.astype(np.int64).reshape(-1)
    if a.shape != (n,):
        raise ValueError(f"ctc_loss: {what} must hold {n} lengths, one per sequence, "
                         f"got shape {a.shape}")
    return a


def _lse(parts: Array) -> Array:
    """``log(sum(exp(parts), axis=0))`` where every entry may be ``-inf``: -inf (and a zero
    gradient) where all are."""
    m = stop_gradient(gnp.max(parts, axis=0))
    m = gnp.where(gnp.isfinite(m), m, 0.0)
    s = gnp.sum(gnp.exp(parts - m), axis=0)
    pos = data(s) > 0
    return gnp.where(pos, m + gnp.log(gnp.where(pos, s, 1.0)), -np.inf)


def ctc_loss(log_probs: Array, targets: Any, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Array:
    """CTC loss of ``log_probs`` (T, N, C) or (T, C) (log-probabilities over C classes with
    ``blank`` among them) against ``targets`` (N, S) padded, or 1-d concatenated; lengths as
    ints, sequences or integer arrays. ``reduction``: 'mean' averages ``loss / target_length``
    over the batch, 'sum' sums, 'none' gives one loss per sequence. ``zero_infinity`` turns
    impossible alignments (infinite losses) into 0 with a zero gradient, as torch.

    Example: ``F.ctc_loss(lp, y, (50, 50), (30, 25), reduction='sum')``
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"ctc_loss: reduction must be 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")
    shape = tuple(_r.shape(log_probs))
    if len(shape) not in (2, 3):
        raise ValueError(f"ctc_loss: expected log_probs (T, N, C) or (T, C), got {shape}")
    unbatched = len(shape) == 2
    lp = gnp.expand_dims(log_probs, 1) if unbatched else log_probs
    t_max, n, c = tuple(_r.shape(lp))
    if not 0 <= blank < c:
        raise ValueError(f"ctc_loss: blank {blank} is not a class of the {c} classes")
    tg = data(targets)
    tg = np.asarray(tg.get() if hasattr(tg, "get") else tg)
    if tg.dtype.kind not in "iu":
        raise TypeError(f"ctc_loss: targets must be integers, got dtype {tg.dtype}")
    if unbatched:
        tg = tg.reshape(1, -1)
    t_len = _host_ints(input_lengths, "input_lengths", n)
    s_len = _host_ints(target_lengths, "target_lengths", n)
    if (t_len > t_max).any() or (t_len < 0).any():
        raise ValueError(f"ctc_loss: input_lengths {t_len.tolist()} must lie in [0, {t_max}]")
    if tg.ndim == 1:  # concatenated
        if s_len.sum() > tg.size:
            raise ValueError(f"ctc_loss: target_lengths {s_len.tolist()} sum to more than "
                             f"the {tg.size} concatenated targets")
        ends = np.cumsum(s_len)
        rows = [tg[e - s:e] for s, e in zip(s_len, ends, strict=True)]
    else:
        if tg.shape[0] != n or (s_len > tg.shape[1]).any() or (s_len < 0).any():
            raise ValueError(f"ctc_loss: targets of shape {tg.shape} do not hold {n} "
                             f"sequences of lengths {s_len.tolist()}")
        rows = [tg[b, :s] for b, s in enumerate(s_len)]
    for r in rows:
        if r.size and ((r < 0).any() or (r >= c).any() or (r == blank).any()):
            raise ValueError(f"ctc_loss: targets must be classes in [0, {c}) other than the "
                             f"blank {blank}")
    width = 2 * int(s_len.max(initial=0)) + 1
    ext = np.full((n, width), blank, dtype=np.int64)  # blank, l1, blank, l2, ..., blank
    skip = np.zeros((n, width), dtype=bool)  # s may come from s - 2 (a label unlike s - 2's)
    for b, r in enumerate(rows):
        ext[b, 1:2 * len(r):2] = r
        skip[b, 3:2 * len(r):2] = r[1:] != r[:-1]
    xp = _xp(data(lp))
    ext_d = xp.asarray(ext)
    # log_probs of each extended label at every frame: (T, N, width)
    lpe = gnp.take_along_axis(lp, xp.broadcast_to(ext_d[None], (t_max, n, width)), 2)
    neg = -np.inf
    start = np.full((n, width), neg, dtype=data(lp).dtype)  # not float64: torch's dtype
    start[:, 0] = 0.0
    if width > 1:
        start[s_len > 0, 1] = 0.0
    alpha = xp.asarray(start) + lpe[0] if t_max else xp.asarray(start)
    pad2 = xp.full((n, 2), neg, dtype=data(lp).dtype)
    skip_d = xp.asarray(skip)
    for t in range(1, int(t_len.max(initial=0))):
        shifted = gnp.concatenate([pad2, alpha], axis=1)  # alpha at s - 2, s - 1
        a1 = shifted[:, 1:width + 1]
        a2 = gnp.where(skip_d, shifted[:, :width], neg)
        new = _lse(gnp.stack([alpha, a1, a2])) + lpe[t]
        alpha = new if (t < t_len).all() else gnp.where(xp.asarray(t < t_len)[:, None], new,
                                                         alpha)
    last = xp.asarray(2 * s_len)[:, None]
    ends = gnp.take_along_axis(alpha, last, 1)[:, 0]
    before = gnp.where(xp.asarray(s_len > 0),
                       gnp.take_along_axis(alpha, xp.maximum(last - 1, 0), 1)[:, 0], neg)
    loss = -_lse(gnp.stack([ends, before]))
    empty = xp.asarray(np.where(s_len == 0, 0.0, np.inf).astype(data(lp).dtype))
    loss = gnp.where(xp.asarray(t_len == 0), empty, loss)
    if zero_infinity:
        loss = gnp.where(gnp.isinf(data(loss)), 0.0, loss)
    if reduction == "none":
        return loss[0] if unbatched else loss
    if reduction == "sum":
        return gnp.sum(loss)
    return gnp.mean(loss / xp.asarray(np.maximum(s_len, 1), dtype=data(loss).dtype))


class CTCLoss(Module):
    """``ctc_loss`` as a module, as ``torch.nn.CTCLoss``.
    Example: ``nn.CTCLoss(blank=0)(log_probs, targets, input_lengths, target_lengths)``"""

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        self.blank, self.reduction, self.zero_infinity = blank, reduction, zero_infinity

    def forward(self, log_probs: Array, targets: Any, input_lengths: Any,
                target_lengths: Any) -> Array:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)

    def extra_repr(self) -> str:
        return f"blank={self.blank}, reduction={self.reduction!r}"
