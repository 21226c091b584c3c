"""Checks that read array values (an index range, a function's domain) and raise, kept exact
under ``gpuad.jit``.

A check is a :class:`Check`: ``bad(xp, *arrays)`` computes, with array operations only, a
boolean array that holds where the values are bad; ``values(xp, *arrays)`` (optional) the
values the message names, one per entry of ``bad``; ``error(count, first)`` makes the
exception from the number of bad entries and the first bad value (None without ``values``).
:func:`run` reads ``bad.any()`` on the host and raises, as any eager check does (on a GPU:
one synchronisation).

Inside a function being traced by ``gpuad.jit`` the check runs at once (the traced call
raises as eagerly) and is recorded as a step of the program, so every replay runs it again on
that call's values: a check written in Python around the operations is not frozen at the
values it saw when tracing. On a CUDA graph the step is captured like any kernel and reads
nothing on the host (that would synchronise, which capturing refuses): the count and the
first bad value go to a device buffer the graph keeps, and the compiled function reads it
after the launch (:class:`gpuad.jit.replay.GraphReplay`) and raises the same error then.

Example::

    from gpuad import _value_checks as vc
    NEG = vc.Check("sqrt_domain", lambda xp, x: x < 0,
                   lambda count, first: ValueError(f"{count} negative values, first {first}"),
                   values=lambda xp, x: x)
    vc.run(NEG, x)      # raises ValueError when x has a negative entry
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any


class Check:
    """A value check (see the module docstring); ``op`` names it in programs
    (``check:op``)."""

    __slots__ = ("op", "bad", "error", "values")

    def __init__(self, op: str, bad: Callable[..., Any],
                 error: Callable[[int, Any], BaseException],
                 values: Callable[..., Any] | None = None):
        self.op = op
        self.bad = bad
        self.error = error
        self.values = values

    def info(self, xp, *arrays) -> Any:
        """``[count, first bad value]`` as one small device array, without a host read."""
        mask = self.bad(xp, *arrays)
        vals = self.values(xp, *arrays) if self.values is not None else mask
        return count_first(xp, mask, vals)

    def from_info(self, info) -> BaseException:
        """The error from ``info`` read on the host."""
        return self.error(int(info[0]), info[1].item() if self.values is not None else None)

    def __repr__(self) -> str:
        return f"<check {self.op}>"


#: set by ``gpuad.jit`` while it traces: ``record(check, arrays) -> bool`` (True: recorded,
#: and already run on the traced values)
record: Callable[[Check, tuple], bool] | None = None


class _Deferred(threading.local):
    collect: Callable[[Check, Any], None] | None = None  # set while a CUDA graph captures


deferred = _Deferred()


#: compiled CUDA-graph replays whose last launch's checks are not read yet (see
#: :func:`poll`); a Tensor's host read (``float(loss)``, ``.item()``) polls them
pending: dict[int, weakref.ref] = {}  # id -> weak reference (a dict: cheap to test)


def poll() -> None:
    """Read the checks of every launch known to be complete, raising the first error found
    (see :meth:`gpuad.jit.replay.GraphReplay.poll`). Cheap: no wait, no synchronisation."""
    for k, ref in list(pending.items()):
        r = ref()
        if r is None:
            pending.pop(k, None)
        else:
            r.poll()


_mods: list = []  # gpuad.tensor.Tensor and gpuad.backends, bound on first use (import order)


def _bind() -> list:
    from . import backends
    from .tensor import Tensor

    _mods[:] = [Tensor, backends]
    return _mods


def _host(info) -> Any:
    get = getattr(info, "get", None)
    return get() if get is not None and not hasattr(info, "__array_interface__") else info


def now(check: Check, *arrays) -> None:
    """Run ``check`` on ``arrays`` (raw arrays): raise its error where ``bad`` holds. While a
    CUDA graph captures, hand its info to the capture instead of reading it. This is the step
    a compiled program runs."""
    Tensor, backends = _mods or _bind()
    by_type = backends._by_array_type
    raws = [a._data if isinstance(a, Tensor) else a for a in arrays]  # vmap: every example
    be = None
    for a in raws:
        be = by_type.get(type(a))
        if be is not None:
            break
    if be is None and raws and all(type(a).__module__ == "numpy" for a in raws):
        import numpy as xp  # host arrays (a NumPy index on the CuPy backend): checked on host
    else:
        xp = (be or backends.get_backend()).xp
    collect = deferred.collect
    if collect is not None and be is not None and be.name != "numpy":
        collect(check, check.info(xp, *raws))
        return
    mask = check.bad(xp, *raws)
    anywhere = mask.any() if hasattr(mask, "any") else mask
    if not bool(_host(anywhere)):  # the one host read (on a GPU, a synchronisation)
        return
    raise check.from_info(_host(check.info(xp, *raws)))


now.capturable = True  # one step of kernels on the device (see gpuad.jit.replay)


def run(check: Check, *arrays) -> None:
    """Run ``check`` on ``arrays`` (Tensors or raw arrays); see the module docstring."""
    rec = record
    if rec is not None and rec(check, arrays):
        return
    now(check, *arrays)


def count_first(xp, bad, values) -> Any:
    """``[count of bad, first bad value]`` as int64 for integer (or boolean) ``values``,
    float64 otherwise, computed without a host read. ``values`` broadcasts to ``bad``'s
    shape."""
    import numpy as _np

    dt = _np.int64 if _np.dtype(values.dtype).kind in "iub" else _np.float64
    if bad.size == 0:
        return xp.zeros((2,), dt)
    vals = xp.reshape(xp.broadcast_to(values, bad.shape), (-1,))
    bad = xp.reshape(bad, (-1,))
    count = bad.sum(dtype=_np.int64).astype(dt)
    first = vals[xp.argmax(bad)].astype(dt)
    return xp.stack([count, first])


def fail_if(op: str, bad: Callable[..., Any], error: Callable[[], BaseException],
            *arrays) -> None:
    """Raise ``error()`` when ``bad(xp, *arrays)`` (a boolean array) holds anywhere; the
    check of a function's domain, kept on every replay under ``gpuad.jit``.

    Example: ``fail_if("log_domain", lambda xp, x: x <= 0, lambda: ValueError("x <= 0"), x)``
    """
    run(Check(op, bad, lambda count, first: error()), *arrays)


#: set by ``gpuad.jit`` while it traces: ``record_call(name, fn, arrays) -> (True, result)``
#: when it recorded ``fn(*arrays)`` as one step, ``(False, None)`` otherwise
record_call: Callable[[str, Callable[..., Any], tuple], tuple] | None = None


def computed(name: str, fn: Callable[..., Any], *arrays) -> Any:
    """``fn(*arrays)`` for a function of raw arrays (an array or a tuple of them). While
    ``gpuad.jit`` traces, the call is recorded as one step (so every replay computes it on its
    own values), where the operations inside it, NumPy's ufuncs and methods on raw arrays,
    would not be recorded and their results would be constants of the program.

    Example: ``rank = computed("rank", lambda s: (s > 1e-9).sum(-1), s)``
    """
    rec = record_call
    if rec is not None:
        done, out = rec(name, fn, arrays)
        if done:
            return out
    return fn(*arrays)


#: set by ``gpuad.jit`` while it traces: ``result_hook(x)`` turns what :func:`result` is given
#: into Tensors where it depends on the traced call
result_hook: Callable[[Any], Any] | None = None


def result(x: Any) -> Any:
    """What a public function computed with the array namespace on raw arrays hands back
    (an array, or a tuple of them): ``x`` itself, except while ``gpuad.jit`` traces, where an
    array that depends on the traced call is a Tensor, so that what the caller does with it
    next (``r + 1``, ``r.astype(...)``, NumPy functions) is recorded too, where NumPy's own
    operators on the raw array would compute it once and every replay would return that.

    Example: ``return result(xp.digitize(x, bins))``
    """
    h = result_hook
    return x if h is None else h(x)


def tracing() -> bool:
    """Whether ``gpuad.jit`` is tracing (in any thread): a branch on values taken by Python
    would be frozen into the program, so code that can take the branch that is exact for
    every value (a ``where`` that changes nothing on the other values) takes it."""
    return record is not None


#: set by ``gpuad.jit`` while it traces: ``host_read_hook(what, arrays, keep)`` raises its
#: ``TracerError`` when one of ``arrays`` holds values of the traced call, and (``keep``)
#: records :func:`keep_values` for those the function reads without receiving them
host_read_hook: Callable[[str, tuple, bool], None] | None = None


def host_read(what: str, *arrays, keep: bool = True) -> None:
    """Library code about to read array values into Python (``float()``, ``int()``,
    ``bool()``, ``.item()`` on raw arrays, or a NumPy array's values) calls this first: while
    ``gpuad.jit`` traces, a value that depends on the call would be frozen into the program,
    so it raises ``gpuad.jit.TracerError`` naming ``what`` and the user's line instead. An
    array the function reads without receiving it (a closure) is read at every call: the
    program keeps the values read and a check that the array still holds them
    (:func:`keep_values`; ``keep=False`` where the caller keeps what it read itself).

    Example: ``host_read("gradient: a spacing array", dx); h = float(dx)``
    """
    h = host_read_hook
    if h is not None:
        h(what, arrays, keep)


class BranchError(RuntimeError):
    """A compiled function was called on values for which library code chooses another
    branch than a compiled program holds (see :func:`keep_branch`).

    ``gpuad.jit`` catches it and traces the function again for the new branch where the
    replay had written nothing the caller can see when the check ran (the compiled function
    then holds one program per combination of branch outcomes, see docs/jit.md); it reaches
    the caller only where that cannot be done, with the reason in its message: the replay
    had already updated parameters or other state in place, overwritten a donated argument,
    or the signature already holds ``max_variants`` programs. ``check`` is the
    :class:`Branch` that failed (None when not raised by one)."""

    check: Branch | None = None


class Branch(Check):
    """The check that :func:`keep_branch` records: ``bad`` holds where ``test`` differs from
    the traced call's outcome ``taken``; ``site`` names the choice (the ``op`` given to
    :func:`keep_branch`)."""

    __slots__ = ("site", "taken")

    def __init__(self, site: str, taken: bool, test: Callable[..., Any]):
        self.site = site
        self.taken = bool(taken)
        super().__init__(f"branch:{site}",
                         lambda xp, *a: xp.asarray(test(xp, *a)) != self.taken, self._error)

    def _error(self, count: int, first: Any) -> BaseException:
        e = BranchError(
            f"{self.site}: a compiled function was called on values for which gpuad's own "
            f"code takes another branch ({not self.taken} where the traced call had "
            f"{self.taken}); the program holds the traced call's branch")
        e.check = self
        return e


def keep_branch(op: str, taken: bool, test: Callable[..., Any], *arrays) -> None:
    """Library code chose a branch in Python from ``taken = bool(test(xp, *arrays))``.
    While ``gpuad.jit`` traces values the arrays depend on, the program holds that choice and
    a :class:`Branch` check step: a replay whose values choose the other branch raises
    :class:`BranchError` there, before the wrong branch's results are used, and ``gpuad.jit``
    traces the function again for the new branch (keeping both programs) where nothing the
    caller can see was written yet, or raises the error saying why not (see docs/jit.md).
    Eagerly (or on constants) nothing happens.

    Example: ``hit = bool(xp.any(m)); keep_branch("svd_zero", hit, lambda xp, m: xp.any(m), m)``
    """
    if record is None:
        return
    run(Branch(op, taken, test), *arrays)


class _Held(Branch):
    """The check :func:`keep_value` records: the array still holds ``value``."""

    def __init__(self, site: str, value: int, on_host: bool):
        super().__init__(site, True, lambda xp, a: a == value)
        self.capturable = not on_host  # a host array's check cannot be a graph's kernel


def keep_value(op: str, value: int, array) -> None:
    """Library code read ``value = int(array)`` (a 0-d array or Tensor) into Python, and the
    result's shape depends on it (a slice bound). While ``gpuad.jit`` traces, the program
    holds ``value`` and a check that ``array`` still holds it: an array the function reads
    without receiving it is read at every call, and a replay whose array holds another value
    traces again, as for :func:`keep_branch`. Eagerly nothing happens.

    Example: ``stop = int(a); keep_value("a slice bound", stop, a)``
    """
    if record is None:
        return
    import numpy as _np

    Tensor = (_mods or _bind())[0]
    raw = array._data if isinstance(array, Tensor) else array
    run(_Held(op, value, isinstance(raw, _np.ndarray)), array)


class _HeldValues(Branch):
    """The check :func:`keep_values` records: the array still holds, bit for bit, the values
    it held when the trace read them (same shape and dtype). A NumPy array is compared on the
    host (no device work: a step a CUDA graph cannot hold), a device array with kernels."""

    def __init__(self, site: str, raw, on_host: bool):
        shape, dtype = tuple(raw.shape), raw.dtype
        if on_host:
            snap = raw.tobytes()

            def same(xp, a):
                return a.shape == shape and a.dtype == dtype and a.tobytes() == snap
        else:
            snap = raw.copy().reshape(-1).view("uint8")  # (copy: C order)

            def same(xp, a):
                if a.shape != shape or a.dtype != dtype:
                    return xp.asarray(False)
                c = a if a.flags.c_contiguous else a.copy()
                return xp.all(c.reshape(-1).view("uint8") == snap)
        super().__init__(site, True, same)
        self.capturable = not on_host
        self.same = same
        if on_host:  # the step itself: one comparison of bytes, no mask or reduction
            def step(a):
                if not same(None, a):
                    raise self._error(1, None)
            self.host_step = step

    def _error(self, count: int, first: Any) -> BaseException:
        e = BranchError(
            f"{self.site}: a compiled function was called after the values it read into "
            f"Python when traced changed; the program holds what was computed from the old "
            f"values")
        e.check = self
        return e

    def holds(self, raw) -> bool:
        """Whether ``raw`` still holds the values (read now, on the host)."""
        import numpy as _np

        return bool(_host(self.same(_np if isinstance(raw, _np.ndarray) else
                                    (_mods or _bind())[1]._by_array_type[type(raw)].xp, raw)))


def keep_values(op: str, array) -> _HeldValues | None:
    """Library code read ``array``'s values on the host (an index list, bin edges, a NumPy
    array copied to the device) and what it computed from them is part of the program. While
    ``gpuad.jit`` traces an array the function reads without receiving it (read at every
    call), the program holds what was computed and a check that ``array`` still holds the
    values read; a replay whose array holds others traces again, as for :func:`keep_branch`.
    Called by :func:`host_read`; eagerly (or on arrays the trace made) nothing is kept.

    Example: ``keep_values("delete: the indices", idx); keep = numpy.delete(rows, idx)``
    """
    if record is None:
        return
    import numpy as _np

    Tensor = (_mods or _bind())[0]
    raw = array._data if isinstance(array, Tensor) else array
    if getattr(raw, "dtype", None) is None or raw.dtype.kind == "O":
        return None
    check = _HeldValues(f"{op} (the values read when traced)", raw, isinstance(raw, _np.ndarray))
    run(check, array)
    return check
