"""torch's max_unpool with gpuad's derivative, for comparisons at repeated indices."""

from __future__ import annotations

import numpy as np


def winners(idx, nd: int) -> np.ndarray:
    """True where an element is the last written at its index in its (N, C) plane: the value
    max_unpool keeps. torch passes the overwritten ones their index's gradient too, though they
    do not reach the output; gpuad passes them none."""
    i = np.asarray(idx)
    flat = i.reshape(-1, int(np.prod(i.shape[-nd:])))
    keep = np.zeros(flat.shape, bool)
    for r, row in enumerate(flat):
        last = {int(j): p for p, j in enumerate(row)}
        keep[r, list(last.values())] = True
    return keep.reshape(i.shape)


def exact(torch_unpool, idx, nd: int):
    """``torch_unpool`` with the overwritten inputs detached (gpuad's gradient)."""
    import torch

    keep = torch.tensor(winners(idx, nd))

    def f(a, *args, **kw):
        return torch_unpool(torch.where(keep, a, a.detach()), *args, **kw)

    return f
