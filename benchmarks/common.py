"""Timing and memory helpers shared by every framework."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def measure(fn: Callable[[], Any], sync: Callable[[Any], None], *, warmup: int = 2,
            repeats: int = 5, target_s: float = 0.02, max_number: int = 2000,
            budget_s: float = 8.0) -> dict[str, Any]:
    """Median seconds per call of ``fn`` over ``repeats`` timed repeats.

    Warmup calls (``warmup`` of them, compilation included) are excluded. Each repeat runs
    ``number`` calls back to back, ``number`` chosen so one repeat lasts about ``target_s``;
    ``sync(out)`` waits for the device before the clock is read. Slow calls get fewer repeats
    (at least 3) so one measurement stays within about ``budget_s``; a call slower than
    ``budget_s / 3`` is timed once.
    """
    out = None
    t0 = time.perf_counter()
    for _ in range(warmup):
        out = fn()
        sync(out)
        if time.perf_counter() - t0 > budget_s / 2:
            break
    t0 = time.perf_counter()
    sync(fn())
    one = max(time.perf_counter() - t0, 1e-9)
    if one * 3 > budget_s:  # very slow: the one timed call is the only sample
        return {"median_s": one, "min_s": one, "repeats": 1, "number": 1}
    number = max(1, min(max_number, int(target_s / one)))
    if one * number * repeats > budget_s:
        repeats = max(3, int(budget_s / (one * number)))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            out = fn()
        sync(out)
        samples.append((time.perf_counter() - t0) / number)
    return {"median_s": statistics.median(samples), "min_s": min(samples),
            "repeats": repeats, "number": number}


def traced_peak(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated through Python/NumPy allocators during one call of ``fn``, above
    what was allocated before it (tracemalloc sees NumPy's data buffers)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn()
        peak = tracemalloc.get_traced_memory()[1]
        del out
    finally:
        tracemalloc.stop()
    return int(peak - base)


class CupyPeak:
    """Peak bytes of CuPy memory-pool allocations during a block (a ``cupy.cuda.MemoryHook``)."""

    def __init__(self) -> None:
        import cupy

        class Hook(cupy.cuda.MemoryHook):
            name = "gpuad-bench-peak"

            def __init__(self) -> None:
                self.cur = 0
                self.peak = 0

            def malloc_postprocess(self, device_id, size, mem_size, mem_ptr, pmem_id):
                self.cur += mem_size
                self.peak = max(self.peak, self.cur)

            def free_postprocess(self, device_id, mem_size, mem_ptr, pmem_id):
                self.cur -= mem_size

        self.hook = Hook()

    def run(self, fn: Callable[[], Any], sync: Callable[[Any], None]) -> int:
        with self.hook:
            out = fn()
            sync(out)
            del out
        return int(self.hook.peak)
