"""Collectives over NCCL on NVIDIA GPUs, through ``cupy.cuda.nccl``.

One process per GPU. The rules of NCCL this module keeps:

- Streams: a collective runs on the communicator's own side stream, ordered after the work
  already queued on the caller's current stream (an event recorded there, waited for by the
  side stream), so it reads the gradients only once they are written and the compute stream
  runs on meanwhile. Finishing a collective makes the current stream wait for an event recorded
  on the side stream after it; the buffers stay referenced until then.
- Order: every rank issues the same collectives in the same order on its one communicator
  (the callers guarantee it: DataParallel launches buckets in a fixed order).
- Groups: collectives started together go between ``groupStart``/``groupEnd``; NCCL queues them
  only at ``groupEnd``, so the completion events are recorded after it, never inside the group.
- Failures: waits poll the completion event with a deadline; on timeout the communicator is
  aborted (``ncclCommAbort``), which stops its kernels, before the error is raised.

The unique id that joins the ranks is shared through MPI when the job was started by
``mpiexec``, else over TCP from rank 0 at ``MASTER_ADDR:MASTER_PORT`` (torchrun-style launchers).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import socket
import struct
import threading
import time
from typing import Any

import numpy as np

from ._comm import (
    Communicator,
    DistributedError,
    DistributedTimeoutError,
    Work,
    check_op,
    check_root,
    check_scatter,
    env_timeout,
)

_NCCL_TYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
               "int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32",
               "int64": "NCCL_INT64", "uint32": "NCCL_UINT32", "uint64": "NCCL_UINT64"}
_NCCL_OPS = {"sum": "NCCL_SUM", "mean": "NCCL_SUM", "max": "NCCL_MAX", "min": "NCCL_MIN",
             "prod": "NCCL_PROD"}


def _default_modules():
    try:
        import cupy
        from cupy.cuda import nccl
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "gpuad.distributed: the NCCL backend needs CuPy built with NCCL (pip install "
            "cupy-cuda12x; NCCL comes with it, or python -m cupyx.tools.install_library "
            "--library nccl)"
        ) from e
    return cupy, nccl


class _NCCLWork(Work):
    """A collective queued on the side stream; ``done`` is recorded after it (at groupEnd when
    it was started inside a group)."""

    def __init__(self, comm: NCCLComm, what: str, keep: tuple, scale: float | None = None):
        super().__init__(comm, what)
        self.keep = keep  # the buffers, alive until the current stream has waited for them
        self.scale = scale
        self.event = None

    def record(self) -> None:
        c = self.comm
        self.event = c.cp.cuda.Event(disable_timing=True)
        self.event.record(c.side)

    def test(self) -> bool:
        if self.event is None:
            raise DistributedError(f"{self.what}: waited on inside the group that starts it; "
                                   f"leave the launch_group() block first")
        if not self.event.done:
            return False
        self.comm.cp.cuda.get_current_stream().wait_event(self.event)
        if self.scale is not None:
            buf = self.keep[0]
            buf *= self.scale  # the mean, on the current stream after the sum
        self.keep = ()
        return True


class NCCLComm(Communicator):
    """One GPU per process, joined by a NCCL unique id shared by rank 0.

    ``cupy``/``nccl``/``ptr`` replace the real modules and the pointer of an array (tests run
    this logic on a fake NCCL without a GPU).
    """

    name = "nccl"

    def __init__(self, rank: int, size: int, uid: Any = None, *, device: int | None = None,
                 timeout: float | None = None, cupy: Any = None, nccl: Any = None,
                 ptr: Any = None, bootstrap: Any = None) -> None:
        if cupy is None or nccl is None:
            cupy, nccl = _default_modules()
        self.cp, self.nc = cupy, nccl
        self.rank, self.size = rank, size
        self.timeout = env_timeout() if timeout is None else timeout
        self._ptr = ptr if ptr is not None else (lambda a: a.data.ptr)
        if device is None:
            device = _local_rank(rank) % max(cupy.cuda.runtime.getDeviceCount(), 1)
        self.device = cupy.cuda.Device(device)
        self.device.use()  # before the communicator: it binds to the current device
        if uid is None:
            uid = (bootstrap or share_unique_id)(rank, size, nccl.get_unique_id, self.timeout)
        self.comm = nccl.NcclCommunicator(size, uid, rank)
        self.side = cupy.cuda.Stream(non_blocking=True)
        self._group: list | None = None

    # ---- helpers ---------------------------------------------------------------------------
    def _typed(self, a, op: str = "sum") -> tuple[Any, int, Any]:
        if not a.flags.c_contiguous:
            raise ValueError(f"nccl: arrays must be C-contiguous, got strides {a.strides}")
        if a.dtype.kind == "c":
            if op not in ("sum", "mean"):
                raise TypeError(f"nccl: {op} of complex values is not defined")
            a = a.view(a.real.dtype)  # (re, im) pairs: sums are sums of the parts
        name = _NCCL_TYPES.get(a.dtype.name)
        if name is None:
            raise TypeError(f"nccl: dtype {a.dtype} has no NCCL type; cast to float32/64 first")
        return self._ptr(a), a.size, getattr(self.nc, name)

    def _order_after_current(self) -> None:
        ready = self.cp.cuda.Event(disable_timing=True)
        ready.record(self.cp.cuda.get_current_stream())
        self.side.wait_event(ready)

    def _queued(self, what: str, keep: tuple, scale: float | None = None) -> _NCCLWork:
        work = _NCCLWork(self, what, keep, scale)
        if self._group is not None:
            self._group.append(work)  # recorded at groupEnd, once NCCL has queued the kernels
        else:
            work.record()
        return work

    @contextlib.contextmanager
    def launch_group(self):
        if self._group is not None:
            yield
            return
        self._group = []
        self.nc.groupStart()
        try:
            yield
        finally:
            pending, self._group = self._group, None
            self.nc.groupEnd()
            for w in pending:
                w.record()

    # ---- collectives -----------------------------------------------------------------------
    def iall_reduce(self, buf, op="sum"):
        check_op(op)
        p, n, t = self._typed(buf, op)
        self._order_after_current()
        self.comm.allReduce(p, p, n, t, getattr(self.nc, _NCCL_OPS[op]), self.side.ptr)
        return self._queued(f"all_reduce({op}) of shape {tuple(buf.shape)}", (buf,),
                            1.0 / self.size if op == "mean" else None)

    def broadcast(self, buf, root=0):
        check_root(self, root)
        p, n, t = self._typed(buf)
        self._order_after_current()
        self.comm.broadcast(p, p, n, t, root, self.side.ptr)
        self._queued(f"broadcast from rank {root}", (buf,)).wait()

    def reduce(self, buf, root=0):
        check_root(self, root)
        p, n, t = self._typed(buf)
        self._order_after_current()
        self.comm.reduce(p, p, n, t, self.nc.NCCL_SUM, root, self.side.ptr)
        self._queued(f"reduce to rank {root}", (buf,)).wait()

    def all_gather(self, x):
        x = self.cp.ascontiguousarray(x)
        out = self.cp.empty((self.size,) + x.shape, x.dtype)
        p, n, t = self._typed(x)
        self._order_after_current()
        self.comm.allGather(p, self._ptr(out), n, t, self.side.ptr)
        self._queued(f"all_gather of shape {tuple(x.shape)}", (out, x)).wait()
        return out

    def reduce_scatter(self, x):
        check_scatter(self, x)
        x = self.cp.ascontiguousarray(x)
        out = self.cp.empty(x.shape[1:], x.dtype)
        p, _, t = self._typed(x)
        self._order_after_current()
        self.comm.reduceScatter(p, self._ptr(out), out.size * (2 if x.dtype.kind == "c" else 1),
                                t, self.nc.NCCL_SUM, self.side.ptr)
        self._queued(f"reduce_scatter of shape {tuple(x.shape)}", (out, x)).wait()
        return out

    def barrier(self):
        self.iall_reduce(self.cp.zeros(1, self.cp.float32)).wait()

    def all_gather_object(self, obj):
        data = np.frombuffer(pickle.dumps(obj), np.uint8)
        sizes = self.all_gather(self.cp.asarray(np.array([data.size], np.int64)))
        sizes = [int(s) for s in self.cp.asnumpy(sizes).ravel()]
        padded = np.zeros(max(sizes), np.uint8)
        padded[: data.size] = data
        rows = self.cp.asnumpy(self.all_gather(self.cp.asarray(padded)))
        return [pickle.loads(rows[r, : sizes[r]].tobytes()) for r in range(self.size)]

    def on_timeout(self):
        with contextlib.suppress(Exception):
            self.comm.abort()  # stops this rank's NCCL kernels that wait for the others

    def abort(self, code=1):
        self.on_timeout()
        os._exit(code)

    def close(self):
        with contextlib.suppress(Exception):
            self.comm.destroy()


def _local_rank(rank: int) -> int:
    for var in ("LOCAL_RANK", "MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK",
                "MV2_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID"):
        v = os.environ.get(var)
        if v is not None:
            return int(v)
    return rank


# ---- sharing the unique id ------------------------------------------------------------------

def share_unique_id(rank: int, size: int, make, timeout: float):
    """Rank 0's ``make()`` on every rank: through MPI under mpiexec, else over TCP."""
    from . import _launch

    if _launch.launched_by_mpi():
        from ._mpi import MPIComm

        return MPIComm(timeout=timeout).all_gather_object(make() if rank == 0 else None)[0]
    addr = os.environ.get("MASTER_ADDR", "127.0.0.1")
    port = int(os.environ.get("MASTER_PORT", "29500"))
    if rank == 0:
        return serve_object(make(), addr, port, size - 1, timeout)
    return fetch_object(addr, port, timeout)


def serve_object(obj, addr: str, port: int, clients: int, timeout: float):
    """Send ``obj`` to ``clients`` connections on ``addr:port`` (from a thread); returns obj."""
    payload = pickle.dumps(obj)
    srv = socket.create_server((addr, port), reuse_port=False)
    srv.settimeout(timeout)

    def serve():
        with srv:
            for _ in range(clients):
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                with conn:
                    conn.sendall(struct.pack("!Q", len(payload)) + payload)

    threading.Thread(target=serve, daemon=True, name="gpuad-nccl-id").start()
    return obj


def fetch_object(addr: str, port: int, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((addr, port), timeout=5) as s:
                head = _recv(s, 8)
                return pickle.loads(_recv(s, struct.unpack("!Q", head)[0]))
        except OSError as e:
            if time.monotonic() > deadline:
                raise DistributedTimeoutError(
                    f"nccl: could not fetch the unique id from rank 0 at {addr}:{port} within "
                    f"{timeout:g} s ({e}); is rank 0 running, and MASTER_ADDR/MASTER_PORT the "
                    f"same on every rank?") from e
            time.sleep(0.1)


def _recv(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf
