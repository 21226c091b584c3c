"""The process group of this job: how it was launched, and the one active communicator."""

from __future__ import annotations

import atexit
import os

from ._comm import (
    Communicator,
    DistributedError,
    SingleProcess,
    install_abort_hook,
    remove_abort_hook,
)

_MPI_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK")
_active: Communicator | None = None


def launched_by_mpi() -> bool:
    """Whether this process was started by ``mpiexec``/``mpirun`` (MPICH, Open MPI, MVAPICH)."""
    return any(v in os.environ for v in _MPI_RANK_VARS)


def env_rank_size() -> tuple[int, int] | None:
    """``(RANK, WORLD_SIZE)`` as torchrun-style launchers set them, else None."""
    r, w = os.environ.get("RANK"), os.environ.get("WORLD_SIZE")
    if r is None or w is None:
        return None
    return int(r), int(w)


def _gpu_backend_active() -> bool:
    from ..backends import get_backend

    return get_backend().name == "cupy"


def init(backend: str = "auto", *, timeout: float | None = None,
         abort_on_error: bool = True) -> Communicator:
    """Join the processes of this job into one group; returns its communicator.

    ``backend``: ``"mpi"`` (mpi4py; start with ``mpiexec -n N``), ``"nccl"`` (one GPU per
    process; started by ``mpiexec`` or a launcher that sets ``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR`` and ``MASTER_PORT``), or ``"auto"``: NCCL when the active gpuad backend is
    CuPy, MPI under ``mpiexec``, and a group of one process when nothing launched the job.
    ``timeout``: seconds any collective waits for the other ranks before raising (default
    300, or ``GPUAD_DIST_TIMEOUT``). ``abort_on_error``: an uncaught exception on one rank
    ends every rank of the job instead of leaving them waiting.

    Example::

        import gpuad.distributed as dist
        dist.init()
        print(dist.rank(), dist.world_size())
    """
    global _active
    if _active is not None:
        raise DistributedError(f"init: the group is already set up ({_active.name}, "
                               f"{_active.size} ranks); call shutdown() first")
    if backend not in ("auto", "mpi", "nccl", "single"):
        raise ValueError(f"init: backend must be 'auto', 'mpi' or 'nccl', got {backend!r}")
    env = env_rank_size()
    if backend == "auto":
        if _gpu_backend_active() and (launched_by_mpi() or env is not None):
            backend = "nccl"
        elif launched_by_mpi():
            backend = "mpi"
        elif env is not None and env[1] > 1:
            raise DistributedError(
                f"init: RANK/WORLD_SIZE say this is rank {env[0]} of {env[1]}, but the active "
                f"backend is {_backend_name()}; RANK/WORLD_SIZE launchers are for NCCL "
                f"(gpuad.set_backend('cupy') first). On CPUs start the job with mpiexec -n N")
        else:
            backend = "single"
    if backend == "mpi":
        from ._mpi import MPIComm

        if env is not None and not launched_by_mpi() and env[1] > 1:
            raise DistributedError(
                "init('mpi'): RANK/WORLD_SIZE are set but the process was not started by "
                "mpiexec; MPI ranks come from mpiexec -n N python script.py")
        comm: Communicator = MPIComm(timeout=timeout)
    elif backend == "nccl":
        from ._nccl import NCCLComm

        if launched_by_mpi():
            from ._mpi import MPIComm

            world = MPIComm(timeout=timeout)
            rank, size = world.rank, world.size
        elif env is not None:
            rank, size = env
        else:
            rank, size = 0, 1
        comm = NCCLComm(rank, size, timeout=timeout)
    else:
        comm = SingleProcess(timeout=timeout)
    _active = comm
    if abort_on_error and comm.size > 1:
        install_abort_hook(comm)
    return comm


def _backend_name() -> str:
    from ..backends import get_backend

    return get_backend().name


def shutdown() -> None:
    """Leave the group (the communicator is released; ``init`` may be called again)."""
    global _active
    if _active is not None:
        _active.close()
        _active = None
    remove_abort_hook()


atexit.register(shutdown)


def is_initialized() -> bool:
    """Whether :func:`init` has set up the group."""
    return _active is not None


def get_comm() -> Communicator:
    """The active communicator; an error before :func:`init`."""
    if _active is None:
        raise DistributedError("gpuad.distributed: call gpuad.distributed.init() first")
    return _active


def rank() -> int:
    """This process's rank in the group (0 .. world_size() - 1). Example: ``dist.rank()``"""
    return get_comm().rank


def world_size() -> int:
    """The number of processes in the group. Example: ``dist.world_size()``"""
    return get_comm().size
