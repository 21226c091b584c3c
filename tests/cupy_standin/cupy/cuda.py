"""``cupy.cuda`` of the stand-in: one pretend device, the null stream, host-timed events and a
memory pool that measures nothing."""

from __future__ import annotations

import time
import types

from . import _capture, _memory
from ._core import DeviceSynchronized  # noqa: F401
from ._memory import using_allocator  # noqa: F401

compiles_cuda_c = False


class CUDARuntimeError(RuntimeError):
    pass


class _Runtime(types.SimpleNamespace):
    CUDARuntimeError = CUDARuntimeError

    @staticmethod
    def getDeviceCount():  # noqa: N802
        return 1

    @staticmethod
    def getDevice():  # noqa: N802
        return 0

    @staticmethod
    def runtimeGetVersion():  # noqa: N802
        return 12000

    @staticmethod
    def memGetInfo():  # noqa: N802
        raise CUDARuntimeError("cupy stand-in: there is no device memory to measure")


runtime = _Runtime()


class Device:
    def __init__(self, device=None):
        self.id = 0 if device is None else int(device)
        self.attributes = {"MultiProcessorCount": 4, "MaxThreadsPerBlock": 1024}
        self.compute_capability = "90"

    def synchronize(self):
        pass

    def use(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __int__(self):
        return self.id

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return self.id


class Graph:
    """A captured CUDA graph: the record of what ran while capturing (see ``_capture``),
    replayed in order on each launch."""

    launches = 0  # every launch of every graph, for tests

    def __init__(self, log=()):
        self._log = list(log)

    def launch(self, stream=None):
        Graph.launches += 1
        _capture.replay(self._log)

    def upload(self, stream=None):
        pass


class Stream:
    def __init__(self, null=False, non_blocking=False, ptds=False):
        self.ptr = 0 if null else id(self)
        self._capturing = False

    def synchronize(self):
        pass

    captures = 0  # every capture begun, for tests

    def begin_capture(self, mode=None):
        if self._capturing or _capture.capturing():
            raise RuntimeError("stream capture already in progress")
        if self.ptr == 0:
            raise RuntimeError("cupy stand-in: the null stream cannot capture")
        Stream.captures += 1
        self._capturing = True
        _capture.begin()

    def end_capture(self):
        if not self._capturing:
            raise RuntimeError("end_capture without begin_capture")
        self._capturing = False
        return Graph(_capture.end())

    def is_capturing(self):
        return self._capturing

    def record(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def wait_event(self, event):
        pass

    def use(self):
        global _used
        _used = self
        return self

    def __enter__(self):
        _entered.append(self)
        return self

    def __exit__(self, *exc):
        _entered.pop()
        return False


Stream.null = Stream(null=True)
_used = Stream.null
_entered: list = []  # the streams of the enclosing ``with stream:`` blocks


def get_current_stream(device_id=None):
    """The innermost ``with stream:``, else the last ``stream.use()``, else the null stream
    (as CuPy's: code asking whether the current stream captures sees the capture)."""
    return _entered[-1] if _entered else _used


class Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.t = None

    def record(self, stream=None):
        self.t = time.perf_counter()

    def synchronize(self):
        pass

    @property
    def done(self):  # CuPy's Event: a property (no ``query`` method)
        return True


def get_elapsed_time(start, end):
    return (end.t - start.t) * 1e3


class OutOfMemoryError(MemoryError):
    pass


class MemoryPool:
    def malloc(self, size):
        return _memory.malloc(size)

    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_bytes(self):
        return 0

    def free_all_blocks(self, stream=None):
        pass

    def set_limit(self, size=None, fraction=None):
        pass

    def get_limit(self):
        return 0


_pool = MemoryPool()
_pinned = MemoryPool()


def get_default_memory_pool():
    return _pool


def get_default_pinned_memory_pool():
    return _pinned


memory = types.SimpleNamespace(OutOfMemoryError=OutOfMemoryError, MemoryPool=MemoryPool)


def is_available():
    return True
