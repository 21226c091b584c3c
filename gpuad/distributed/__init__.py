"""Data-parallel training over processes: MPI (mpi4py) on CPUs and across nodes, NCCL on GPUs.

Example (``mpiexec -n 2 python train.py``)::

    import gpuad.distributed as dist
    from gpuad import nn, optim

    dist.init()                                   # rank and size from the launcher
    model = dist.DataParallel(nn.MLP([2, 64, 2]))  # rank 0's weights on every rank
    opt = optim.Adam(model.parameters(), lr=1e-2)
    x, y = dist.shard(x_train, y_train, epoch=0)  # this rank's slice
    opt.zero_grad()
    nn.cross_entropy(model(x), y).backward()      # .grad: the mean over ranks
    opt.step()

See docs/distributed.md for launching, failure handling and the scaling model.
"""

from __future__ import annotations

from ._comm import Communicator, DistributedError, DistributedTimeoutError, Work
from ._launch import get_comm, init, is_initialized, rank, shutdown, world_size
from .checkpoint import load, save
from .collectives import all_gather, all_reduce, barrier, broadcast, reduce, reduce_scatter
from .data import ShardedSampler, shard
from .data_parallel import DataParallel

__all__ = [
    "init", "shutdown", "is_initialized", "rank", "world_size", "get_comm",
    "all_reduce", "broadcast", "reduce", "all_gather", "reduce_scatter", "barrier",
    "DataParallel", "ShardedSampler", "shard", "save", "load",
    "Communicator", "Work", "DistributedError", "DistributedTimeoutError",
]
