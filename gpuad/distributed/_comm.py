"""The communicator interface, the process group's state, and timed waiting.

A communicator moves raw backend arrays (NumPy or CuPy) between the processes of one job. Every
collective is either blocking (returns when done) or non-blocking (returns a :class:`Work`
whose ``wait`` finishes it). Every wait is timed: a rank that stops taking part (it raised, was
killed, or runs different code) makes the others raise :class:`DistributedTimeoutError` after
``timeout`` seconds instead of hanging.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any

__all__ = ["Communicator", "Work", "DistributedError", "DistributedTimeoutError",
           "DEFAULT_TIMEOUT"]

#: seconds a collective may wait for the other ranks (``GPUAD_DIST_TIMEOUT`` overrides it)
DEFAULT_TIMEOUT = 300.0

REDUCE_OPS = ("sum", "mean", "max", "min", "prod")


class DistributedError(RuntimeError):
    """A collective that cannot be carried out: ranks disagree, or the group is not set up."""


class DistributedTimeoutError(DistributedError):
    """A collective waited longer than the timeout for the other ranks."""


def env_timeout() -> float:
    v = os.environ.get("GPUAD_DIST_TIMEOUT")
    return float(v) if v else DEFAULT_TIMEOUT


class Work:
    """A collective in flight. ``wait()`` blocks until it is done (raising after the
    communicator's timeout); ``test()`` says whether it is done without blocking."""

    def __init__(self, comm: Communicator, what: str) -> None:
        self.comm = comm
        self.what = what
        self.done = False

    def test(self) -> bool:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> None:
        if self.done:
            return
        limit = self.comm.timeout if timeout is None else timeout
        start = time.monotonic()
        deadline = start + limit
        while not self.test():
            now = time.monotonic()
            if now > deadline:
                self.comm.on_timeout()
                raise DistributedTimeoutError(
                    f"{self.what}: rank {self.comm.rank} of {self.comm.size} waited {limit:g} s "
                    f"for the other ranks; one of them failed, was killed, or did not reach "
                    f"the same collective (every rank must call the collectives in the same "
                    f"order). Set the limit with init(timeout=...) or GPUAD_DIST_TIMEOUT"
                )
            # each poll drives MPI's progress: poll often at first, only yielding the core to
            # other runnable processes, then with pauses growing to a millisecond
            waited = now - start
            time.sleep(0 if waited < 0.02 else min(1e-3, waited / 20))
        self.done = True


class DoneWork(Work):
    def __init__(self, comm: Communicator, what: str = "") -> None:
        super().__init__(comm, what)
        self.done = True

    def test(self) -> bool:
        return True


class Communicator:
    """The collectives one backend provides on raw arrays.

    ``all_reduce``/``broadcast``/``reduce`` work in place; ``all_gather`` returns an array of
    shape ``(size,) + x.shape``; ``reduce_scatter`` takes ``(size,) + s`` and returns shape ``s``
    (the sum over ranks of their slice ``rank``). ``iall_reduce`` starts an in-place all-reduce
    and returns a :class:`Work`; several started ones finish in the order they were started.
    """

    name = "base"
    rank = 0
    size = 1
    timeout = DEFAULT_TIMEOUT

    def all_reduce(self, buf: Any, op: str = "sum") -> None:
        self.iall_reduce(buf, op).wait()

    def iall_reduce(self, buf: Any, op: str = "sum") -> Work:
        raise NotImplementedError

    def broadcast(self, buf: Any, root: int = 0) -> None:
        raise NotImplementedError

    def reduce(self, buf: Any, root: int = 0) -> None:
        raise NotImplementedError

    def all_gather(self, x: Any) -> Any:
        raise NotImplementedError

    def reduce_scatter(self, x: Any) -> Any:
        raise NotImplementedError

    def barrier(self) -> None:
        raise NotImplementedError

    def all_gather_object(self, obj: Any) -> list:
        raise NotImplementedError

    def launch_group(self):
        """A context in which several non-blocking collectives are started together (NCCL's
        group calls); a no-op elsewhere."""
        import contextlib

        return contextlib.nullcontext()

    def on_timeout(self) -> None:
        """Called before a timeout is raised (NCCL aborts its communicator here)."""

    def abort(self, code: int = 1) -> None:
        """End every process of the job (after an uncaught error on this rank)."""
        os._exit(code)

    def close(self) -> None:
        pass


class SingleProcess(Communicator):
    """The group of one process: every collective is the identity (no launcher needed)."""

    name = "single"

    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = env_timeout() if timeout is None else timeout

    def iall_reduce(self, buf, op="sum"):
        check_op(op)
        return DoneWork(self)

    def all_reduce(self, buf, op="sum"):
        check_op(op)

    def broadcast(self, buf, root=0):
        check_root(self, root)

    def reduce(self, buf, root=0):
        check_root(self, root)

    def all_gather(self, x):
        return x[None].copy()

    def reduce_scatter(self, x):
        check_scatter(self, x)
        return x[0].copy()

    def barrier(self):
        pass

    def all_gather_object(self, obj):
        return [obj]


def check_op(op: str) -> None:
    if op not in REDUCE_OPS:
        raise ValueError(f"all_reduce: op must be one of {', '.join(REDUCE_OPS)}, got {op!r}")


def check_root(comm: Communicator, root: int) -> None:
    if not 0 <= root < comm.size:
        raise ValueError(f"root {root} is not a rank of this group of {comm.size}")


def check_scatter(comm: Communicator, x: Any) -> None:
    if x.ndim == 0 or x.shape[0] != comm.size:
        raise ValueError(f"reduce_scatter: the input's first axis must have one entry per rank "
                         f"({comm.size}), got shape {tuple(x.shape)}")


def install_abort_hook(comm: Communicator) -> None:
    """On an uncaught exception: print it with the rank, then end the whole job, so the other
    ranks do not wait in a collective for this one."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        try:
            sys.stderr.write(f"[gpuad.distributed] rank {comm.rank} of {comm.size} failed; "
                             f"ending all {comm.size} processes:\n"
                             + "".join(traceback.format_exception(kind, value, tb)))
            sys.stderr.flush()
            time.sleep(0.5)  # the launcher forwards this rank's output before it ends the job
        finally:
            if kind is KeyboardInterrupt:
                previous(kind, value, tb)
            comm.abort(1)

    hook.gpuad_previous = previous  # type: ignore[attr-defined]
    sys.excepthook = hook


def remove_abort_hook() -> None:
    prev = getattr(sys.excepthook, "gpuad_previous", None)
    if prev is not None:
        sys.excepthook = prev
