"""Derivative specs for ``gpuad.masked`` (torch.masked's reductions and normalisations).

Each masks out a fixed pattern, broadcast from a smaller mask where torch's samples do so;
slices with nothing left are used where the result stays finite (sum, prod, norm, normalize,
cumsum, cumprod), since an identity of ``-inf`` or a NaN has no finite differences."""

from __future__ import annotations

import numpy as np

import gpuad.masked as M
import gpuad.numpy as gnp

from . import Spec

N = "gpuad.masked."
SHAPE = (3, 4)
# row 1 masked out entirely; MOST leaves something in every row and column
EMPTY_ROW = np.array([[True, False, True, True], [False] * 4, [True, True, False, True]])
MOST = np.array([[True, False, True, True], [True, True, False, True], [False, True, True, True]])
COL = np.array([True, True, False, True])  # broadcast along the rows


def _distinct(r):
    """Entries at least 0.05 apart (no ties for amax, amin, median, the inf-norm), away from 0
    (the kinks of the 1-norm)."""
    n = int(np.prod(SHAPE))
    return ((r.permutation(n) + 1.0) * 0.1 * r.choice([-1.0, 1.0], n)
            + r.uniform(-0.02, 0.02, n)).reshape(SHAPE),


def _u(r):
    return r.uniform(-1.0, 1.0, SHAPE),


def _spec(name, fn, args=_u, order=2):
    return Spec(N + name, fn, args, order=order)


SPECS: list[Spec] = [
    _spec("sum", lambda x: M.sum(x, 1, mask=EMPTY_ROW)),
    _spec("prod", lambda x: M.prod(x, (0, 1), keepdim=True, mask=EMPTY_ROW)),
    _spec("prod", lambda x: M.prod(x, 0, mask=COL)),
    _spec("amax", lambda x: M.amax(x, 1, mask=MOST), _distinct),
    _spec("amin", lambda x: M.amin(x, (0, 1), mask=COL), _distinct),
    _spec("mean", lambda x: M.mean(x, 0, keepdim=True, mask=MOST)),
    _spec("median", lambda x: M.median(x, 1, mask=MOST), _distinct),
    _spec("norm", lambda x: M.norm(x, 3.0, 1, mask=EMPTY_ROW)),
    _spec("norm", lambda x: M.norm(x, 1, 0, mask=COL), _distinct),
    _spec("norm", lambda x: M.norm(x, np.inf, 1, mask=MOST), _distinct),
    _spec("var", lambda x: M.var(x, 1, mask=MOST)),
    _spec("std", lambda x: M.std(x, 1, mask=COL, correction=0)),
    _spec("logsumexp", lambda x: M.logsumexp(x, 1, mask=MOST)),
    _spec("softmax", lambda x: M.softmax(x, 1, mask=MOST)),
    _spec("log_softmax", lambda x: gnp.where(MOST, M.log_softmax(x, 1, mask=MOST), 0)),
    _spec("softmin", lambda x: M.softmin(x, 1, mask=COL)),
    _spec("normalize", lambda x: M.normalize(x, 2.0, 1, mask=EMPTY_ROW)),
    _spec("cumsum", lambda x: M.cumsum(x, 1, mask=EMPTY_ROW)),
    _spec("cumprod", lambda x: M.cumprod(x, 0, mask=EMPTY_ROW)),
    Spec(N + "logaddexp",
         lambda x, y: M.logaddexp(x, y, input_mask=EMPTY_ROW, other_mask=~EMPTY_ROW),
         lambda r: (r.uniform(-1.0, 1.0, SHAPE), r.uniform(-1.0, 1.0, SHAPE))),
]

EXEMPT: dict[str, str] = {
    N + "argmax": "integer-valued indices: piecewise constant, no derivative",
    N + "argmin": "integer-valued indices: piecewise constant, no derivative",
}
