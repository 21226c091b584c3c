"""CPU kernels of fused groups: one Numba ``@njit(parallel=True, cache=True)`` loop each
(a serial ``@njit(cache=True)`` loop where it would run on one thread anyway).

The loop runs over the group's output index space: a ``prange`` over the first axis (or over
all elements, when every input is C-contiguous with the group's shape, so the arrays are
passed flat); inputs that broadcast are passed as ``numpy.broadcast_to`` views, whose zero
strides Numba follows. Each element is loaded once, every statement of the group computed in
registers, and each stored value written once.

The source is written to the kernel cache directory (``$GPUAD_CACHE_DIR``, else
``~/.cache/gpuad/fused``) under the hash of its text, so Numba's own on-disk cache (next to
it) serves later processes; kernels are also kept per process by hash. The directory keeps
at most :data:`MAX_SOURCES` sources (``$GPUAD_CACHE_MAX_KERNELS``): the first new source a
process writes past that bound deletes the oldest, with Numba's machine code of them. The text is
canonical: statements are named by their position in the group and loads by their position
among its loads, so groups doing the same computation (the steps of an unrolled RNN) share
one function, compiled once; the numbers among the operands are literals and the dtypes of
the arguments are named in a comment, so groups differing in either do not.

Example::

    k = NumbaKernel(spec)      # spec: gpuad.jit.kernels.spec_of(prog, group)
    print(k.source)
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import tempfile
import threading

import numpy as _np

from . import vecmath
from .kernels import (
    Lang,
    Spec,
    canonical_names,
    finish,
    out_arrays,
    outside_spec,
    result_names,
    statements,
)

_LOCK = threading.Lock()
_COMPILED: dict[str, object] = {}


def cache_dir() -> str:
    """Where generated kernel sources (and Numba's cache of them) live."""
    d = os.environ.get("GPUAD_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "gpuad")
    d = os.path.join(d, "fused")
    try:
        os.makedirs(d, exist_ok=True)
        if os.access(d, os.W_OK):
            return d
    except OSError:
        pass
    d = os.path.join(tempfile.gettempdir(), f"gpuad-fused-{os.getuid()}")
    os.makedirs(d, exist_ok=True)
    return d


def _statements(spec: Spec, lang: Lang) -> list[tuple[str, str]]:
    """The group's statements over loads ``x0, x1, ..``, named by position (``t0, t1, ..``:
    :func:`gpuad.jit.kernels.canonical_names`), so that groups doing the same computation
    (the steps of an unrolled loop) have one source and share one compiled function. The
    numbers among the operands stay literals of the step's dtype in the text: groups that
    differ in a number, or in a dtype, have different sources."""
    return statements(spec, lang, lambda k: f"x{k}", canonical_names(spec.stmts).__getitem__)


def _signature(spec: Spec) -> str:
    """A comment naming the dtypes of the kernel's arguments: part of the hashed source, so
    a kernel object is only ever shared by groups reading and writing the same dtypes."""
    return (f"# loads: {' '.join(dt.name for _, dt in spec.loads) or '-'}; "
            f"outs: {' '.join(dt.name for _, dt in spec.outs) or '-'}")


def _element_lines(ind: str, nl: int, idx: str, stmts, spec: Spec, a: str = "a",
                   o: str = "o") -> list[str]:
    """One element's loads (from arrays ``a0``, ..), statements and stores (into ``o0``, ..) at
    indentation ``ind``."""
    names = canonical_names(spec.stmts).__getitem__
    return ([f"{ind}x{k} = {a}{k}[{idx}]" for k in range(nl)]
            + [f"{ind}{name} = {text}" for name, text in stmts]
            + [f"{ind}{o}{k}[{idx}] = {name}"
               for k, name in enumerate(result_names(spec, names))])


def _lang(vector: bool = False, scalar: list | None = None) -> Lang:
    """How kernels write the expression language; ``vector``: float32 functions that
    :mod:`gpuad.jit.vecmath` has are its vectorisable ones, not the C library's (the others,
    which keep a loop from vectorising, are appended to ``scalar``)."""
    def num(x, dt):
        return f"np.{dt.name}({float(x)!r})"

    def call(f, a, dt):
        if vector and dt == _np.float32 and f in vecmath.FUNCS:
            return f"vm.{f}32({a})"
        if scalar is not None and f != "sqrt":  # (LLVM vectorises sqrt itself)
            scalar.append(f)
        if f == "sigmoid":
            return f"np.exp(-np.logaddexp(np.{dt.name}(0.0), -({a})))"
        if f == "erf":
            return f"np.{dt.name}(math.erf({a}))"
        return f"np.{f}({a})"

    def guard(r, gs, dt):
        if not gs:
            return r
        # (without ``and``: one select a vector loop keeps, not a branch)
        keep = " | ".join([f"({g} != 0)" for g in gs] + [f"np.isfinite({r})"])
        return f"({r} if {keep} else np.{dt.name}(0.0))"

    return Lang(num, lambda a, dt: f"np.{dt.name}({a})", call,
                lambda a, op, b, dt: f"np.{dt.name}({a} {op} {b})", guard,
                lambda c, a, b, dt: f"(({a}) if ({c}) != 0 else ({b}))")


#: elements per block of a kernel whose vectorised functions can return NaN out of range:
#: a block holding such a NaN is computed again with the C library's functions
BLOCK = 4096

_KEEPS_NAN = re.compile(r"np\.(float32|float64)\(|vm\.\w+\(|\bt\d+\b|\bx\d+\b|"
                        r"[0-9.e]+|[-+*/(), ]")


def _propagates_nan(text: str) -> bool:
    """Whether a NaN anywhere in statement ``text`` reaches its value: only casts, numbers,
    names, the four operations and vectorised calls (no test, select or power)."""
    return not _KEEPS_NAN.sub("", text)


def _header(parallel: bool, vector: bool) -> list[str]:
    return (["import math  # noqa: F401", "import numpy as np", "from numba import njit, prange"]
            + ([f"from gpuad.jit import vecmath as vm  # vecmath {vecmath.VERSION}"]
               if vector else [])
            + ["", "", f"@njit({'parallel=True, ' if parallel else ''}cache=True, "
               "error_model='numpy', nogil=True)"])


def vector_statements(spec: Spec) -> tuple[list, list, list] | None:
    """``(vectorised, exact, checked)`` statements of the group when its function calls are
    float32 ones :mod:`gpuad.jit.vecmath` has (and ``sqrt``), at least one (else None: one
    call of the C library would keep the whole loop scalar). ``checked`` names the
    statements whose NaN may mean an argument out of a vectorised function's range (the block
    is then computed again by ``exact``); a group with a statement in which such a NaN might
    not reach its value is not vectorised either."""
    exact = _statements(spec, _lang())
    scalar: list = []
    fast = _statements(spec, _lang(True, scalar))
    if fast == exact or scalar:
        return None
    ranged = tuple(f"vm.{f}32(" for f in vecmath.RANGED)
    checked = []
    for name, q in fast:
        if any(r in q for r in ranged):
            if not _propagates_nan(q):
                return None
            checked.append(name)
    return fast, exact, checked


def source(spec: Spec, ndim: int, parallel: bool = True, vector: bool = False) -> str:
    """The module text of the kernel ``kernel(a0, .., o0, ..)`` over ``ndim`` axes (a
    ``prange`` loop compiled with ``parallel=True``, or a plain serial loop). ``vector``:
    float32 functions are :mod:`gpuad.jit.vecmath`'s where it has them; where those can
    return NaN out of their range, the innermost loop runs in blocks, and a block whose
    checked results hold a NaN runs again with the C library's functions."""
    nl, no = len(spec.loads), len(spec.outs)
    idx = "i0" if ndim == 1 else ", ".join(f"i{k}" for k in range(ndim))
    vs = vector_statements(spec) if vector else None
    stmts = _statements(spec, _lang()) if vs is None else vs[0]
    args = ", ".join([f"a{k}" for k in range(nl)] + [f"o{k}" for k in range(no)])
    lines = [_signature(spec)] + _header(parallel, vs is not None) + [f"def kernel({args}):"]
    ind = "    "
    if vs is None or (ndim > 1 and not vs[2]):
        for k in range(ndim):
            rng = "prange" if k == 0 and parallel else "range"
            lines.append(f"{ind}for i{k} in {rng}(o0.shape[{k}]):")
            ind += "    "
        return "\n".join(lines + _element_lines(ind, nl, idx, stmts, spec)) + "\n"
    _, exact, checked = vs

    def body(ind, idx, a, o):
        out = _element_lines(ind, nl, idx, stmts, spec, a, o)
        for name in checked:
            at = out.index(f"{ind}{name} = {dict(stmts)[name]}")
            out.insert(at + 1, f"{ind}bad |= {name} != {name}")
        return out

    if ndim > 1:
        last = ndim - 1
        for k in range(last):
            rng = "prange" if k == 0 and parallel else "range"
            lines.append(f"{ind}for i{k} in {rng}(o0.shape[{k}]):")
            ind += "    "
        inner = f"range(o0.shape[{last}])"
        return "\n".join(lines + [f"{ind}bad = False", f"{ind}for i{last} in {inner}:"]
                         + body(ind + "    ", idx, "a", "o")
                         + [f"{ind}if bad:", f"{ind}    for i{last} in {inner}:"]
                         + _element_lines(ind + "        ", nl, idx, exact, spec)) + "\n"
    # flat: blocks of BLOCK elements, each over views of the block (over ``range(lo, hi)`` of
    # the whole arrays, LLVM's overlap test refused the vector loop when two outputs lay within
    # 16 elements of each other in memory, as two consecutive allocations do: 6x slower); the
    # block's elements in ``w`` interleaved streams, so that the long dependent chain of one
    # element's statements does not stall the core (the chain's kernel: 2.0x faster at w = 4)
    w = interleave(len(stmts))
    lines += [f"{ind}n = o0.shape[0]",
              f"{ind}for b in {'prange' if parallel else 'range'}((n + {BLOCK - 1}) // {BLOCK}):",
              f"{ind}    lo = b * {BLOCK}",
              f"{ind}    hi = min(lo + {BLOCK}, n)",
              f"{ind}    m = hi - lo"]
    ind += "    "
    lines += [f"{ind}{p}{k} = {p[1:]}{k}[lo:hi]" for p, c in (("va", nl), ("vo", no))
              for k in range(c)]
    if checked:
        lines.append(f"{ind}bad = False")
    one = body(ind + "    ", "i0", "va", "vo")
    if w > 1:
        streams = [one] + [[_LOCAL.sub(rf"\1_{j}", ln).replace("[i0]", f"[i0 + {j} * h]")
                            for ln in one] for j in range(1, w)]
        lines += [f"{ind}h = m // {w}", f"{ind}for i0 in range(h):"]
        lines += [ln for group in zip(*streams, strict=True) for ln in group]
        lines.append(f"{ind}for i0 in range({w} * h, m):")
    else:
        lines.append(f"{ind}for i0 in range(m):")
    lines += one
    if checked:
        lines += [f"{ind}if bad:", f"{ind}    for i0 in range(m):",
                  *_element_lines(ind + "        ", nl, "i0", exact, spec, "va", "vo")]
    return "\n".join(lines) + "\n"


_LOCAL = re.compile(r"\b([tx]\d+)\b")

#: statements times streams a vector kernel is written with at most (its compile time grows
#: with its length: the chain's 56 statements in 4 streams take 4.5 s to compile, cached on
#: disk after)
INTERLEAVED = 256


def interleave(nstmts: int) -> int:
    """Streams of elements a flat vector kernel interleaves: 4, fewer for long groups."""
    return max(1, min(4, INTERLEAVED // max(1, nstmts)))


def reduces_inside(op: str, opts) -> bool:
    """Whether a trailing ``op`` runs inside the CPU kernel: ``max``/``min`` with
    ``Options(reduce_inside=True)`` (exact in any order, NaN propagating as NumPy's; not by
    default: on the machine measured, the elementwise kernel and NumPy's vectorised ``max``
    after it were faster than the fold inside the loop); ``sum`` with
    ``Options(reorder_sums=True)`` (its order of additions is not NumPy's pairwise one, so its
    bits differ from eager's), unless ``reduce_inside=False``."""
    inside = getattr(opts, "reduce_inside", None)
    if op in ("max", "min"):
        return inside is True
    return op == "sum" and inside is not False and getattr(opts, "reorder_sums", None) is True


#: per reduction: its identity; how a register ``acc`` folds ``v`` (a select the compiler
#: keeps branch-free, NaN remembered in ``bad``); how a value in memory ``w`` does (NaN
#: wins, as in NumPy). Of two equal values the later is kept, as NumPy's loops do.
_FOLD = {
    "sum": ("0.0", "acc += {v}", "{w} + {v}"),
    "max": ("-np.inf", "acc = {v} if {v} >= acc else acc\nbad |= {v} != {v}",
            "{v} if ({v} >= {w} or {v} != {v}) else {w}"),
    "min": ("np.inf", "acc = {v} if {v} <= acc else acc\nbad |= {v} != {v}",
            "{v} if ({v} <= {w} or {v} != {v}) else {w}"),
}


def reduce_source(spec: Spec, parallel: bool = True) -> str:
    """The module text of ``kernel(a0.., o0.., r, shp, nchunks)``: the group's statements over
    its index space (axis 0 split into ``nchunks`` chunks, a ``prange`` when ``parallel``),
    storing its stored values and folding the reduced statement into ``r``: per chunk and kept
    index when axis 0 is reduced (the chunks are combined afterwards, in order), else per
    kept index. The innermost axis, when reduced, is folded in a register first."""
    nd = len(spec.shape)
    axes = spec.axes
    nl = len(spec.loads)
    op = spec.red_op
    dt = next(d for v, d, _ in spec.stmts if v == spec.red_of)
    idx = ", ".join(f"i{k}" for k in range(nd))
    chunked = 0 in axes
    ridx = ", ".join((["c"] if chunked else []) + [f"i{k}" for k in range(nd) if k not in axes])
    local = (nd - 1) in axes
    stmts = _statements(spec, _lang())
    args = ", ".join([f"a{k}" for k in range(nl)] + [f"o{k}" for k in range(len(spec.outs))]
                     + ["r", "shp", "nchunks"])
    lines = [_signature(spec), "import math  # noqa: F401", "import numpy as np",
             "from numba import njit, prange", "", "",
             f"@njit({'parallel=True, ' if parallel else ''}cache=True, error_model='numpy', "
             "nogil=True)",
             f"def kernel({args}):",
             f"    for c in {'prange' if parallel else 'range'}(nchunks):",
             "        lo = c * shp[0] // nchunks",
             "        hi = (c + 1) * shp[0] // nchunks"]
    ind = "        "
    ident, fold_reg, fold_mem = _FOLD[op]
    for k in range(nd):
        if k == nd - 1 and local:
            lines.append(f"{ind}acc = np.{dt.name}({ident})")
            if op != "sum":
                lines.append(f"{ind}bad = False")
        rng = "range(lo, hi)" if k == 0 else f"range(shp[{k}])"
        lines.append(f"{ind}for i{k} in {rng}:")
        ind += "    "
    lines += _element_lines(ind, nl, idx, stmts, spec)
    v = canonical_names(spec.stmts)[spec.red_of]
    if local:
        lines += [ind + ln for ln in fold_reg.format(v=v).splitlines()]
        ind = ind[:-4]
        if op != "sum":
            lines.append(f"{ind}if bad:")
            lines.append(f"{ind}    acc = np.{dt.name}(np.nan)")
        v = "acc"
    lines.append(f"{ind}w = r[{ridx}]")
    lines.append(f"{ind}r[{ridx}] = {fold_mem.format(v=v, w='w')}")
    return "\n".join(lines) + "\n"


#: kernel functions asked of :func:`compile_source`: ``built`` distinct sources (each one
#: Numba function, compiled once per argument types, its machine code cached on disk by
#: Numba), ``reused`` requests that found theirs already made in this process
STATS = {"built": 0, "reused": 0}

#: generated sources the cache directory keeps (``$GPUAD_CACHE_MAX_KERNELS`` overrides)
MAX_SOURCES = 4096
_PRUNED = False


def prune(d: str, keep: int) -> int:
    """Delete the oldest generated sources in ``d``, and Numba's cached machine code of them
    (``__pycache__/<name>.*``), until ``keep`` remain; returns how many were deleted. Age is
    the time a source was written: touching it would make Numba's cache of it stale."""
    try:
        names = [n for n in os.listdir(d) if n.startswith("gpuad_fused_") and n.endswith(".py")]
    except OSError:
        return 0
    if len(names) <= keep:
        return 0

    def written(n: str) -> float:
        try:
            return os.stat(os.path.join(d, n)).st_mtime
        except OSError:
            return 0.0

    old = {n[:-3] for n in sorted(names, key=written)[:len(names) - keep]}
    pyc = os.path.join(d, "__pycache__")
    try:
        machine = [c for c in os.listdir(pyc) if c.split(".", 1)[0] in old]
    except OSError:
        machine = []
    for path in ([os.path.join(d, n + ".py") for n in old]
                 + [os.path.join(pyc, c) for c in machine]):
        try:
            os.remove(path)
        except OSError:
            pass
    return len(old)


def _prune_once(d: str) -> None:
    global _PRUNED
    if not _PRUNED:
        _PRUNED = True
        bound = int(os.environ.get("GPUAD_CACHE_MAX_KERNELS") or MAX_SOURCES)
        prune(d, max(bound - 1, 0))  # (room for the source about to be written)


def compile_source(src: str):
    """The ``kernel`` of module text ``src``, loaded from the cache directory by its hash
    (one function per distinct source in a process)."""
    h = hashlib.sha256(src.encode()).hexdigest()[:24]
    with _LOCK:
        fn = _COMPILED.get(h)
        STATS["reused" if fn is not None else "built"] += 1
        if fn is not None:
            return fn
        name = f"gpuad_fused_{h}"
        d = cache_dir()
        path = os.path.join(d, name + ".py")
        for last in (False, True):
            if not os.path.exists(path):
                _prune_once(d)
                tmp = f"{path}.{os.getpid()}.tmp"
                with open(tmp, "w") as f:
                    f.write(src)
                os.replace(tmp, path)
            spec = importlib.util.spec_from_file_location(name, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod
            try:
                spec.loader.exec_module(mod)
                break
            except FileNotFoundError:  # another process pruned it just now: write it again
                if last:
                    raise
        fn = _COMPILED[h] = mod.kernel
        return fn


#: elements per thread below which a kernel runs on fewer threads (starting and joining
#: threads costs more than it saves on small loops, and much more on a busy machine)
PER_THREAD = 1 << 20


#: the same for kernels calling vectorised functions (each element costs tens of operations)
PER_THREAD_VECTOR = 1 << 16


def threads_for(size: int, per: int = PER_THREAD) -> int:
    """Threads a kernel over ``size`` elements runs on: ``$GPUAD_FUSED_THREADS`` if set, else
    one per ``per`` elements, at most Numba's thread count."""
    import numba

    env = os.environ.get("GPUAD_FUSED_THREADS")
    most = numba.config.NUMBA_NUM_THREADS
    if env:
        return max(1, min(int(env), most))
    return max(1, min(most, size // per))


class NumbaKernel:
    """The fused step of one group on the CPU: ``(*loaded arrays) -> tuple of results``.
    ``vector``: float32 functions are :mod:`gpuad.jit.vecmath`'s (see :func:`source`)."""

    def __init__(self, spec: Spec, vector: bool = True):
        if spec.inside and (not spec.shape or any(spec.shape[a] == 0 for a in spec.axes)):
            spec = outside_spec(spec)  # nothing to split, or an empty max: the backend's call
        self.spec = spec
        self.shape = spec.shape
        self.size = int(_np.prod(spec.shape, dtype=_np.int64))
        self.ndim = len(spec.shape)
        self.out_dtypes = [dt for _, dt in spec.outs]
        vs = None if spec.inside or not vector else vector_statements(spec)
        self.vector = vs is not None
        # outputs sharing memory with inputs go through fresh arrays: a block computed again
        # reads the inputs after the outputs were written, and LLVM's overlap test sends an
        # output that is an input to the scalar loop (several times slower)
        self._apart = self.vector
        self.per = PER_THREAD_VECTOR if self.vector else PER_THREAD
        # one thread: a serial loop (no thread pool to start; compiles faster too)
        par = threads_for(self.size, self.per) > 1
        self._flat = self._nd = self._red = None
        if spec.inside:
            self.red_src = reduce_source(spec, par)
            self.flat_src = self.nd_src = self.red_src
            return
        # a flat vector kernel is a serial loop run on parts of the arrays by a thread pool (it
        # releases the GIL): Numba compiled its prange version of the chain in 18 s, not 4.5
        self.flat_src = source(spec, 1, par and not self.vector, self.vector)
        self.nd_src = self.flat_src if self.ndim <= 1 else source(spec, self.ndim, par,
                                                                  self.vector)

    @property
    def source(self) -> str:
        return self.flat_src

    takes_out = True

    def __call__(self, *arrays, out=None):
        import numba

        n = threads_for(self.size, self.per)
        if "prange" not in self.flat_src and "prange" not in self.nd_src:
            return self._run(arrays, out)
        before = numba.get_num_threads()
        if n == before:
            return self._run(arrays, out)
        numba.set_num_threads(n)
        try:
            return self._run(arrays, out)
        finally:
            numba.set_num_threads(before)

    def _run(self, arrays, out):
        shape, size = self.shape, self.size
        arrs = [a if type(a) is _np.ndarray else _np.asarray(a) for a in arrays]
        outs = out_arrays(self, _np, out, arrs)
        if self.spec.inside:
            return self._reduce(arrs, outs)
        given = outs
        if self._apart and out is not None and \
                any(_np.may_share_memory(a, o) for a in arrs for o in outs):
            outs = [_np.empty_like(o) for o in outs]
        if all(a.shape == shape and a.flags.c_contiguous for a in arrs):
            if self._flat is None:
                self._flat = compile_source(self.flat_src)
            flat = [a.reshape(size) for a in arrs], [o.reshape(size) for o in outs]
            if self.vector:
                self._parts(self._flat, *flat)
            else:
                self._flat(*flat[0], *flat[1])
        else:
            if self._nd is None:
                self._nd = compile_source(self.nd_src)
            views = [_np.broadcast_to(a, shape) for a in arrs]
            if self.vector and self.ndim <= 1:
                self._parts(self._nd, views, outs)
            else:
                self._nd(*views, *outs)
        if outs is not given:
            for o, g in zip(outs, given, strict=True):
                g[...] = o
            outs = given
        return finish(self.spec, outs)

    def _parts(self, kern, ins: list, outs: list) -> None:
        """Serial 1-d ``kern`` over contiguous parts of whole blocks, one per thread
        (:func:`threads_for`), the first on this thread, the others on the chunked target's
        pool."""
        from . import codegen_chunked

        size = outs[0].shape[0] if outs else 0
        n = min(threads_for(self.size, self.per), codegen_chunked.threads())
        share = (size + n - 1) // max(1, n)  # elements per thread, rounded up to whole blocks
        per = (share + BLOCK - 1) // BLOCK * BLOCK
        bounds = [(lo, min(lo + per, size)) for lo in range(0, size, max(1, per))]
        if len(bounds) <= 1:
            kern(*ins, *outs)
            return
        pool = codegen_chunked._pool(codegen_chunked.threads())
        futures = [pool.submit(kern, *[a[lo:hi] for a in ins], *[o[lo:hi] for o in outs])
                   for lo, hi in bounds[1:]]
        lo, hi = bounds[0]
        try:
            kern(*[a[lo:hi] for a in ins], *[o[lo:hi] for o in outs])
        finally:
            for f in futures:
                f.result()

    def _reduce(self, arrs, outs):
        spec, shape = self.spec, self.shape
        axes = spec.axes
        kept = tuple(d for k, d in enumerate(shape) if k not in axes)
        chunked = 0 in axes
        n = threads_for(self.size) if "prange" in self.red_src else 1
        nchunks = max(1, min(n, shape[0]))
        dt = next(d for v, d, _ in spec.stmts if v == spec.red_of)
        ident = {"sum": 0.0, "max": -_np.inf, "min": _np.inf}[spec.red_op]
        r = _np.full(((nchunks,) if chunked else ()) + kept, ident, dt)
        if self._red is None:
            self._red = compile_source(self.red_src)
        self._red(*[_np.broadcast_to(a, shape) for a in arrs], *outs, r, shape, nchunks)
        if chunked:
            r = r[0] if nchunks == 1 else getattr(_np, spec.red_op)(r, axis=0)
        return finish(spec, outs, _np.asarray(r, dt).reshape(spec.red_shape))


def kernel(spec: Spec, opts=None) -> NumbaKernel:
    """The fused step of ``spec`` on this target (``opts.vector_math``: see
    :class:`gpuad.jit.fusion.Options`)."""
    return NumbaKernel(spec, getattr(opts, "vector_math", True))
