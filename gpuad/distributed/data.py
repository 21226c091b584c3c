"""Each rank its slice of the dataset, reshuffled every epoch with a seed shared by all ranks."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._launch import get_comm

__all__ = ["ShardedSampler", "shard"]


class ShardedSampler:
    """Indices of this rank's share of ``n`` examples for one epoch.

    Every rank draws the same permutation (from ``seed`` and the epoch number) and takes every
    ``world_size``-th index starting at its rank, so the ranks' shares are disjoint and together
    cover the epoch. With ``drop_last`` (the default) each rank gets ``n // world_size`` indices
    (the last ``n % world_size`` of the permutation are skipped this epoch; a later epoch's
    permutation uses them); without it the permutation is padded by wrapping around so every
    rank gets ``ceil(n / world_size)`` (a few examples count twice).

    Example::

        sampler = ShardedSampler(len(x), seed=0)
        for epoch in range(epochs):
            idx = sampler.indices(epoch)
            for b in range(0, len(idx), batch):
                step(x[idx[b:b + batch]], y[idx[b:b + batch]])
    """

    def __init__(self, n: int, *, seed: int = 0, shuffle: bool = True, drop_last: bool = True,
                 rank: int | None = None, world_size: int | None = None) -> None:
        if rank is None or world_size is None:
            comm = get_comm()
            rank = comm.rank if rank is None else rank
            world_size = comm.size if world_size is None else world_size
        if not 0 <= rank < world_size:
            raise ValueError(f"ShardedSampler: rank {rank} is not in 0..{world_size - 1}")
        if n < world_size and drop_last:
            raise ValueError(f"ShardedSampler: {n} examples cannot give each of {world_size} "
                             f"ranks one (pass drop_last=False to repeat some)")
        self.n, self.seed, self.shuffle, self.drop_last = n, seed, shuffle, drop_last
        self.rank, self.world_size = rank, world_size

    def __len__(self) -> int:
        w = self.world_size
        return self.n // w if self.drop_last else -(-self.n // w)

    def indices(self, epoch: int = 0) -> np.ndarray:
        """This rank's indices for ``epoch`` (a NumPy int64 array of ``len(self)``)."""
        if self.shuffle:
            order = np.random.default_rng([self.seed, epoch]).permutation(self.n)
        else:
            order = np.arange(self.n)
        total = len(self) * self.world_size
        if total > self.n:
            order = np.resize(order, total)  # wraps around
        return order[self.rank:total:self.world_size]


def shard(*arrays: Any, epoch: int = 0, seed: int = 0, shuffle: bool = True,
          drop_last: bool = True) -> tuple:
    """This rank's slice (for ``epoch``) of each array, all indexed alike along axis 0.

    Example: ``xs, ys = dist.shard(x_train, y_train, epoch=e, seed=0)``
    """
    if not arrays:
        raise ValueError("shard: pass at least one array")
    n = len(arrays[0])
    for a in arrays[1:]:
        if len(a) != n:
            raise ValueError(f"shard: the arrays have different lengths ({n} and {len(a)})")
    idx = ShardedSampler(n, seed=seed, shuffle=shuffle, drop_last=drop_last).indices(epoch)
    out = []
    for a in arrays:
        ix = idx if isinstance(a, np.ndarray) or not hasattr(a, "__array_namespace__") else \
            _on(a, idx)
        out.append(a[ix])
    return tuple(out)


def _on(a, idx):
    from .._raw import _xp

    return _xp(a).asarray(idx)
