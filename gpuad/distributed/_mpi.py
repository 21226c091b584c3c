"""Collectives over MPI (mpi4py), started with ``mpiexec -n N python script.py``.

Every collective is a non-blocking MPI call (``Iallreduce``, ``Ibcast``, ...) finished by a
timed wait, so a rank whose peers stopped raises instead of hanging. Device (CuPy) arrays are
staged through host memory: the ``mpich`` wheel's MPI is not CUDA-aware (on GPUs use NCCL).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np

from .._raw import _xp
from ._comm import (
    Communicator,
    Work,
    check_op,
    check_root,
    check_scatter,
    env_timeout,
)


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "gpuad.distributed: the MPI backend needs mpi4py and an MPI library; install them "
            "with pip install 'gpuad[distributed]' (mpi4py and the mpich wheel, which provides "
            "mpiexec)"
        ) from e
    return MPI


class _MPIWork(Work):
    def __init__(self, comm, what, req, finish: Callable[[], None] | None = None):
        super().__init__(comm, what)
        self.req = req
        self.finish = finish

    def test(self) -> bool:
        if self.req.Test():
            if self.finish is not None:
                self.finish()
                self.finish = None
            return True
        return False


def _host(buf) -> tuple[np.ndarray, Callable[[np.ndarray], None] | None]:
    """A contiguous NumPy array holding ``buf``'s values and how to write results back."""
    if isinstance(buf, np.ndarray):
        if buf.flags.c_contiguous:
            return buf, None
        tmp = np.ascontiguousarray(buf)

        def back(h, buf=buf):
            buf[...] = h
        return tmp, back
    tmp = np.ascontiguousarray(buf.get())  # a device array: through the host

    def back_dev(h, buf=buf):
        buf[...] = _to_dev(buf, h)
    return tmp, back_dev


def _to_dev(like, h):
    """Host array ``h`` on the device (and backend) of ``like``."""
    return _xp(like).asarray(h)


class MPIComm(Communicator):
    """The processes of ``MPI.COMM_WORLD`` (or ``comm``)."""

    name = "mpi"

    def __init__(self, comm: Any = None, timeout: float | None = None) -> None:
        MPI = _mpi()
        self.MPI = MPI
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = env_timeout() if timeout is None else timeout
        self._ops = {"sum": MPI.SUM, "mean": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN,
                     "prod": MPI.PROD}

    def _start(self, what, req, finish=None) -> _MPIWork:
        return _MPIWork(self, what, req, finish)

    def iall_reduce(self, buf, op="sum"):
        check_op(op)
        h, back = _host(buf)
        req = self.comm.Iallreduce(self.MPI.IN_PLACE, h, op=self._ops[op])
        n = self.size

        def finish():
            if op == "mean":
                np.divide(h, n, out=h, casting="unsafe")
            if back is not None:
                back(h)
        return self._start(f"all_reduce({op}) of shape {tuple(buf.shape)}", req, finish)

    def broadcast(self, buf, root=0):
        check_root(self, root)
        h, back = _host(buf)
        req = self.comm.Ibcast(h, root=root)
        self._start(f"broadcast from rank {root} of shape {tuple(buf.shape)}", req,
                    None if back is None else (lambda: back(h))).wait()

    def reduce(self, buf, root=0):
        check_root(self, root)
        h, back = _host(buf)
        if self.rank == root:
            req = self.comm.Ireduce(self.MPI.IN_PLACE, h, op=self.MPI.SUM, root=root)
            finish = None if back is None else (lambda: back(h))
        else:
            req = self.comm.Ireduce(h, None, op=self.MPI.SUM, root=root)
            finish = None
        self._start(f"reduce to rank {root} of shape {tuple(buf.shape)}", req, finish).wait()

    def all_gather(self, x):
        h, _ = _host(x)
        out = np.empty((self.size,) + h.shape, h.dtype)
        req = self.comm.Iallgather(h, out)
        self._start(f"all_gather of shape {tuple(x.shape)}", req).wait()
        return out if isinstance(x, np.ndarray) else _to_dev(x, out)

    def reduce_scatter(self, x):
        check_scatter(self, x)
        h, _ = _host(x)
        out = np.empty(h.shape[1:], h.dtype)
        req = self.comm.Ireduce_scatter_block(h, out, op=self.MPI.SUM)
        self._start(f"reduce_scatter of shape {tuple(x.shape)}", req).wait()
        return out if isinstance(x, np.ndarray) else _to_dev(x, out)

    def barrier(self):
        self._start("barrier", self.comm.Ibarrier()).wait()

    def all_gather_object(self, obj):
        data = np.frombuffer(pickle.dumps(obj), np.uint8)
        sizes = np.empty(self.size, np.int64)
        self._start("all_gather_object (sizes)",
                    self.comm.Iallgather(np.array([data.size], np.int64), sizes)).wait()
        out = np.empty(int(sizes.sum()), np.uint8)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        req = self.comm.Iallgatherv(data, [out, sizes, offsets, self.MPI.BYTE])
        self._start("all_gather_object", req).wait()
        return [pickle.loads(out[o:o + s].tobytes()) for o, s in zip(offsets, sizes, strict=True)]

    def abort(self, code=1):
        self.comm.Abort(code)
