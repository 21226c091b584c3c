"""CPU kernels of fused groups: the group's own NumPy calls, run chunk by chunk.

A group becomes one generated Python function over a slice of the output's index space: each
statement calls the step's own backend function (the one eager ran) on the slice's operands,
so every element is computed by exactly eager's code, and the results are eager's bits. What
changes is the order of the work: all statements of the group run on one chunk (by default
2^16 elements) while its operands and intermediate values are still in the core's cache, then
on the next chunk, instead of one pass over memory per statement. Chunks are spread over a
small thread pool (NumPy releases the GIL inside its loops).

Unlike a Numba loop, this keeps NumPy's vectorised math functions (``sin``, ``tanh``, ``exp``
...), so on the CPU every expression can be fused with no loss of speed or of bits.

Operands are cut along the flattened index space when every loaded array is C-contiguous with
the group's shape (or holds one element); otherwise along the first axis (an operand that
broadcasts along it is passed whole).

Example::

    k = ChunkedKernel(spec)    # spec: gpuad.jit.kernels.spec_of(prog, group)
    print(k.source)
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as _np

from .kernels import Spec, finish, out_arrays
from .program import Ref

#: elements per chunk: the operands and live temporaries of a chunk stay in a core's cache
CHUNK = 1 << 16

_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_POOL_PID = 0
_LOCK = threading.Lock()


def chunk_size() -> int:
    """Elements per chunk: ``$GPUAD_FUSED_CHUNK`` if set, else :data:`CHUNK`."""
    env = os.environ.get("GPUAD_FUSED_CHUNK")
    return max(1, int(env)) if env else CHUNK


def threads() -> int:
    """Threads the chunks run on: ``$GPUAD_FUSED_THREADS`` if set, else the usable cores."""
    env = os.environ.get("GPUAD_FUSED_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _pool(n: int) -> ThreadPoolExecutor:
    global _POOL, _POOL_SIZE, _POOL_PID
    with _LOCK:
        # a forked child inherits the pool object without its threads: make a new one
        if _POOL is None or _POOL_SIZE != n or _POOL_PID != os.getpid():
            if _POOL is not None and _POOL_PID == os.getpid():
                _POOL.shutdown(wait=False)
            _POOL = ThreadPoolExecutor(n, thread_name_prefix="gpuad-fused")
            _POOL_SIZE, _POOL_PID = n, os.getpid()
        return _POOL


def plan(spec: Spec) -> tuple[dict, dict]:
    """Where each statement writes: ``{var: ("o", k)}`` straight into output ``k``'s chunk,
    ``{var: ("b", dtype, j)}`` into scratch slot ``j`` of its dtype (a slot is reused once
    every value living in it has been read for the last time), or nothing (a function
    without ``out=``: a fresh array, or the zero guard, which returns its operand where it
    is finite); and the number of slots per dtype."""
    outs = {v: k for k, (v, _) in enumerate(spec.outs)}
    n = len(spec.stmts)
    root: dict[int, int] = {}  # the guard's result is its operand's memory
    last: dict[int, int] = {}
    for i, (v, _dt, node) in enumerate(spec.stmts):
        for a in node.args:
            if type(a) is Ref:
                r = root.get(a.v, a.v)
                last[r] = i
        root[v] = root.get(node.args[0].v, node.args[0].v) if node.expr == "guard" else v
    for v in outs:
        last[root.get(v, v)] = n
    where: dict = {}
    free: dict = {}  # dtype -> free slots
    busy: list = []  # (root var, dtype, slot)
    count: dict = {}
    for i, (v, _dt, node) in enumerate(spec.stmts):
        for item in [b for b in busy if last.get(b[0], -1) < i]:
            busy.remove(item)
            free.setdefault(item[1], []).append(item[2])
        if node.ufunc is None or node.expr == "guard":
            continue
        if v in outs:
            where[v] = ("o", outs[v])
            continue
        dt = _np.dtype(node.rdtype or node.dtype)
        slots = free.setdefault(dt, [])
        j = slots.pop() if slots else count.get(dt, 0)
        count[dt] = max(count.get(dt, 0), j + 1)
        where[v] = ("b", dt, j)
        busy.append((v, dt, j))
    return where, count


def source(spec: Spec) -> tuple[str, dict, list]:
    """The text of ``chunk(sl, a0, .., o0, .., b0, ..)`` (``b``: the scratch slots, chunk
    shaped, in the order of the returned ``[dtype]``), and the objects it names (the steps'
    functions and constants). A step with a NumPy function taking ``out=`` writes into its
    slot or its output's chunk (no allocation); the others return fresh arrays."""
    ns: dict = {"_np": _np}
    local: dict[int, str] = {}
    where, count = plan(spec)
    slots = [(dt, j) for dt in sorted(count, key=str) for j in range(count[dt])]
    bname = {key: f"b{k}" for k, key in enumerate(slots)}
    nl, no = len(spec.loads), len(spec.outs)
    args = ", ".join(["sl"] + [f"a{k}" for k in range(nl)] + [f"o{k}" for k in range(no)]
                     + list(bname.values()))
    lines = [f"def chunk({args}):"]
    for k, (v, _) in enumerate(spec.loads):
        local[v] = f"x{k}"
        lines.append(f"    x{k} = a{k}[sl] if a{k}.ndim else a{k}")
    for v, _dt, node in spec.stmts:
        w = where.get(v)
        fname = f"F{v}"
        ns[fname] = node.fn if w is None else node.ufunc
        operands = []
        for j, a in enumerate(node.call_args or node.args):
            if type(a) is Ref:
                operands.append(local[a.v])
            else:
                cname = f"C{v}_{j}"
                ns[cname] = a
                operands.append(cname)
        if w is not None:
            operands.append("out=" + (f"o{w[1]}[sl]" if w[0] == "o" else bname[w[1:]]))
        lines.append(f"    t{v} = {fname}({', '.join(operands)})")
        local[v] = f"t{v}"
    for k, (v, _) in enumerate(spec.outs):
        if where.get(v, ("",))[0] != "o":
            lines.append(f"    o{k}[sl] = {local[v]}")
    return "\n".join(lines) + "\n", ns, [dt for dt, _ in slots]


_SCRATCH = threading.local()


def _scratch(dtypes: list, per: int, shape: tuple) -> list:
    """This thread's scratch slots for one chunk of ``shape`` (at most ``per`` elements):
    views of one array per dtype, kept by the thread across calls and kernels (grown as
    needed), so no chunk allocates its intermediate values."""
    if not dtypes:
        return []
    arenas = getattr(_SCRATCH, "arenas", None)
    if arenas is None:
        arenas = _SCRATCH.arenas = {}
    n = 1
    for d in shape:
        n *= int(d)
    need: dict = {}
    for dt in dtypes:
        need[dt] = need.get(dt, 0) + 1
    out = []
    seen: dict = {}
    for dt in dtypes:
        a = arenas.get(dt)
        if a is None or a.size < need[dt] * per:
            a = arenas[dt] = _np.empty(need[dt] * per, dt)
        j = seen[dt] = seen.get(dt, -1) + 1
        out.append(a[j * per:j * per + n].reshape(shape))
    return out


class ChunkedKernel:
    """The fused step of one group on the CPU: ``(*loaded arrays) -> tuple of results``."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.shape = tuple(spec.shape)
        self.size = int(_np.prod(self.shape, dtype=_np.int64))
        self.out_dtypes = [dt for _, dt in spec.outs]
        self.source, ns, self.slots = source(spec)
        exec(compile(self.source, "<gpuad fused chunks>", "exec"), ns)  # noqa: S102
        self._chunk = ns["chunk"]

    def _layout(self, arrays) -> tuple[list, int, bool]:
        """Operands ready to slice, the length of the sliced axis, and whether it is flat."""
        shape, size = self.shape, self.size
        if all(a.size == 1 or (a.shape == shape and a.flags.c_contiguous) for a in arrays):
            return ([a.reshape(size) if a.shape == shape else a.reshape(()) for a in arrays],
                    size, True)
        # along the first axis; an operand that broadcasts is read through zero strides
        return [_np.broadcast_to(a, shape) for a in arrays], shape[0], False

    takes_out = True

    def __call__(self, *arrays, out=None):
        arrs = [a if type(a) is _np.ndarray else _np.asarray(a) for a in arrays]
        outs = out_arrays(self, _np, out, arrs)
        if not self.shape or self.size == 0:
            with _np.errstate(all="ignore"):
                self._chunk(Ellipsis, *arrs, *outs,
                            *_scratch(self.slots, max(1, self.size), self.shape))
            return finish(self.spec, outs)
        ops, length, flat = self._layout(arrs)
        views = [o.reshape(self.size) for o in outs] if flat else outs
        per = chunk_size()
        if not flat:
            per = max(1, per // max(1, self.size // length))
        bounds = [slice(lo, min(lo + per, length)) for lo in range(0, length, per)]
        rest = () if flat else tuple(self.shape[1:])
        n = min(threads(), len(bounds))
        if n <= 1:
            self._run(bounds, ops, views, per, rest)
        else:
            parts = [bounds[k::n] for k in range(n)]
            pool = _pool(n)
            futures = [pool.submit(self._run, p, ops, views, per, rest) for p in parts[1:]]
            try:
                self._run(parts[0], ops, views, per, rest)
            finally:
                for f in futures:
                    f.result()
        return finish(self.spec, outs)

    def _run(self, bounds, ops, views, per, rest) -> None:
        chunk, slots = self._chunk, self.slots
        cap = per
        for d in rest:
            cap *= int(d)
        with _np.errstate(all="ignore"):
            for sl in bounds:
                chunk(sl, *ops, *views, *_scratch(slots, cap, (sl.stop - sl.start, *rest)))


def kernel(spec: Spec, opts=None) -> ChunkedKernel:
    """The fused step of ``spec`` on this target (a reduction always runs after it; ``opts``
    changes nothing here)."""
    return ChunkedKernel(spec)
