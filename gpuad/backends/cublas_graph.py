"""Matrix products that a CUDA graph can capture: cuBLAS called directly through ctypes.

CuPy (14) refuses every cuBLAS call while a stream captures, although cuBLAS itself can be
captured when its handle works in a workspace of its own (cuBLAS documentation, "CUDA Graphs
Support": with ``cublasSetWorkspace`` it allocates nothing while capturing). This module keeps
one cuBLAS handle per device, from the libcublas CuPy has loaded, and computes ``a @ b`` with
``cublas<t>gemm`` (``cublas<t>gemmStridedBatched`` for stacks of matrices) on a given stream,
into a fresh C-contiguous array, in a workspace its caller owns. ``gpuad.jit`` calls it while it
captures a program (``capture_pieces`` in gpuad/jit/replay.py), so that the matrix products
are recorded in the graph instead of running between graphs.

Row-major to column-major: cuBLAS reads a matrix column by column. A row-major ``r x c``
matrix with row stride ``ld`` is, read that way, the ``c x r`` matrix (its transpose) with
leading dimension ``ld``, and a transposed view (column stride one element) is its own matrix
in column-major order. So ``C = A @ B`` (``m x n``) is computed as ``C^T = B^T A^T``
(``n x m``, leading dimension ``n``), with ``op = N`` for an operand in row-major order and
``op = T`` for a transposed view.

Everything else is declined (``None``: the caller keeps its own path): dtypes other than
float32/64 and complex64/128, mixed dtypes, strides that no leading dimension expresses, batch
dimensions that broadcast against each other, sizes past cuBLAS's 32-bit integers. Before its
first use in the process, a call's signature (dtype, shapes, strides and alignment of both
operands) is checked outside any capture against ``cupy.matmul`` on random arrays of that
layout (:class:`GraphMatmul`); a mismatch or any failure (no libcublas found, a cuBLAS status
error) turns the path off for the process, with one warning, and every product is then
computed as before.

Example::

    from gpuad.backends import cublas_graph
    c = cublas_graph.matmul(a, b)   # a @ b computed by this module, or None where declined
    cublas_graph.status()           # 'unused', 'used', 'unavailable: ...' or 'disabled: ...'
"""

from __future__ import annotations

import ctypes
import os
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["GraphMatmul", "CublasError", "for_capture", "matmul", "plan", "status",
           "turn_off", "use_library", "workspace_bytes"]

OP_N, OP_T = 0, 1
_INT_MAX = 2**31 - 1
# dtype char -> (gemm, strided batched gemm, the C type of one real part, parts per scalar)
_ROUTINES = {
    "f": ("cublasSgemm_v2", "cublasSgemmStridedBatched", ctypes.c_float, 1),
    "d": ("cublasDgemm_v2", "cublasDgemmStridedBatched", ctypes.c_double, 1),
    "F": ("cublasCgemm_v2", "cublasCgemmStridedBatched", ctypes.c_float, 2),
    "D": ("cublasZgemm_v2", "cublasZgemmStridedBatched", ctypes.c_double, 2),
}
_P, _I, _LL = ctypes.c_void_p, ctypes.c_int, ctypes.c_longlong
_ARGTYPES = {
    "cublasCreate_v2": [_P],
    "cublasDestroy_v2": [_P],
    "cublasSetStream_v2": [_P, _P],
    "cublasSetWorkspace_v2": [_P, _P, ctypes.c_size_t],
    "cublasSetMathMode": [_P, _I],
    **{r[0]: [_P, _I, _I, _I, _I, _I, _P, _P, _I, _P, _I, _P, _P, _I] for r in _ROUTINES.values()},
    **{r[1]: [_P, _I, _I, _I, _I, _I, _P, _P, _I, _LL, _P, _I, _LL, _P, _P, _I, _LL, _I]
       for r in _ROUTINES.values()},
}
_STATUS = {1: "CUBLAS_STATUS_NOT_INITIALIZED", 3: "CUBLAS_STATUS_ALLOC_FAILED",
           7: "CUBLAS_STATUS_INVALID_VALUE", 8: "CUBLAS_STATUS_ARCH_MISMATCH",
           11: "CUBLAS_STATUS_MAPPING_ERROR", 13: "CUBLAS_STATUS_EXECUTION_FAILED",
           14: "CUBLAS_STATUS_INTERNAL_ERROR", 15: "CUBLAS_STATUS_NOT_SUPPORTED"}


class CublasError(RuntimeError):
    """A cuBLAS entry point returned a status other than success."""


def _check(status: int, name: str) -> None:
    if status != 0:
        raise CublasError(f"{name} returned {_STATUS.get(status, 'status')} ({status})")


# ---- the mapping ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """One product as cuBLAS computes it: ``C^T = op(X) op(Y)`` in column-major order, where
    ``X`` is ``b``'s memory and ``Y`` is ``a``'s; ``m, n, k`` are the row-major sizes
    (``C`` is ``m x n``, the inner size ``k``). ``sx``/``sy``: batch strides in elements
    (0: one matrix for every batch)."""

    char: str
    opx: int
    opy: int
    m: int
    n: int
    k: int
    ldx: int
    ldy: int
    batch: int
    sx: int
    sy: int
    out_shape: tuple

    @property
    def launches(self) -> bool:
        """Whether cuBLAS is called at all (not for an empty result or ``k == 0``)."""
        return self.m > 0 and self.n > 0 and self.k > 0 and self.batch > 0


def _layout(r: int, c: int, sr: int, sc: int, isz: int) -> tuple[int, int] | None:
    """``(op, ld)`` of an ``r x c`` matrix with byte strides ``(sr, sc)`` as the ``X``/``Y`` of
    a :class:`Call` (OP_N: rows of ``ld`` elements, read by cuBLAS as the transpose; OP_T:
    columns of ``ld`` elements), or None. cuBLAS requires ``ld >= max(1, rows it stores)``."""
    if c == 1 or sc == isz:  # rows contiguous
        if r == 1:
            return OP_N, max(1, c)
        if sr > 0 and sr % isz == 0 and sr // isz >= max(1, c):
            return OP_N, sr // isz
    if r == 1 or sr == isz:  # columns contiguous
        if c == 1:
            return OP_T, max(1, r)
        if sc > 0 and sc % isz == 0 and sc // isz >= max(1, r):
            return OP_T, sc // isz
    return None


def _batch_stride(shape: tuple, strides: tuple, isz: int) -> int | None:
    """The one stride (in elements) that walks the batch dimensions in C order, or None."""
    dims = [(d, s) for d, s in zip(shape, strides, strict=True) if d != 1]
    if not dims:
        return 0
    for (_, s), (d2, s2) in zip(dims, dims[1:], strict=False):
        if s != s2 * d2:
            return None
    s = dims[-1][1]
    return s // isz if s >= 0 and s % isz == 0 else None


def plan(a, b, array_type=None) -> Call | str:
    """The cuBLAS call that computes ``a @ b`` (``numpy.matmul``'s semantics), or the reason
    it is declined (a string). ``array_type``: the only array type taken (CuPy's ndarray)."""
    if array_type is not None and (type(a) is not array_type or type(b) is not array_type):
        return "operands are not both device arrays"
    if a.dtype != b.dtype:
        return f"mixed dtypes {a.dtype} and {b.dtype}"
    char = a.dtype.char
    if char not in _ROUTINES:
        return f"dtype {a.dtype}"
    if a.ndim == 0 or b.ndim == 0:
        return "0-d operand"
    isz = a.dtype.itemsize
    ash, ast = a.shape, a.strides
    bsh, bst = b.shape, b.strides
    if a.ndim == 1:
        ash, ast = (1,) + ash, (0,) + ast
    if b.ndim == 1:
        bsh, bst = bsh + (1,), bst + (0,)
    (m, k), (k2, n) = ash[-2:], bsh[-2:]
    if k != k2:
        return f"inner sizes differ: {a.shape} and {b.shape}"
    abat, bbat = ash[:-2], bsh[:-2]
    if abat and bbat and abat != bbat:
        return f"batch dimensions {abat} and {bbat} differ"
    bshape = abat or bbat
    batch = int(np.prod(bshape)) if bshape else 1
    out_shape = bshape + ((m,) if a.ndim > 1 else ()) + ((n,) if b.ndim > 1 else ())
    if max(m, n, k, batch) > _INT_MAX:
        return "sizes past 32 bits"
    if 0 in (m, n, k, batch):
        return Call(char, OP_N, OP_N, m, n, k, 1, 1, batch, 0, 0, out_shape)
    ya = _layout(m, k, ast[-2], ast[-1], isz)
    xb = _layout(k, n, bst[-2], bst[-1], isz)
    if ya is None or xb is None:
        return "strides no leading dimension expresses"
    sy = _batch_stride(abat, ast[:-2], isz) if abat else 0
    sx = _batch_stride(bbat, bst[:-2], isz) if bbat else 0
    if sy is None or sx is None:
        return "batch strides that one stride does not express"
    if max(ya[1], xb[1]) > _INT_MAX:
        return "leading dimension past 32 bits"
    return Call(char, xb[0], ya[0], m, n, k, xb[1], ya[1], batch, sx, sy, out_shape)


# ---- the library ----------------------------------------------------------------------------

def _find_library():
    """The libcublas CuPy has loaded (its path in /proc/self/maps once CuPy has made its own
    cuBLAS handle), else the soname of CuPy's CUDA major version, as a ctypes library."""
    import cupy
    from cupy_backends.cuda.libs import cublas  # noqa: F401  (links libcublas)

    cupy.cuda.device.get_cublas_handle()  # loads it where CuPy loads libraries on first use
    path = None
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.rsplit(None, 1)[-1] if "/" in line else ""
                if os.path.basename(p).startswith("libcublas.so"):
                    path = p
                    break
    except OSError:
        pass
    if path is None:
        path = f"libcublas.so.{cupy.cuda.runtime.runtimeGetVersion() // 1000}"
    return ctypes.CDLL(path)


def _bind(lib) -> Any:
    """``lib`` with the argument types of the entry points set (a ctypes library), after
    checking it has them all."""
    for name, types in _ARGTYPES.items():
        fn = getattr(lib, name)  # AttributeError: the library lacks it
        if isinstance(lib, ctypes.CDLL):
            fn.argtypes, fn.restype = types, ctypes.c_int
    return lib


class _State:
    def __init__(self, lib=None):
        self.injected = lib
        self.lib = None if lib is None else _bind(lib)
        self.tried = lib is not None
        self.unavailable: str | None = None
        self.disabled: str | None = None
        self.sessions: dict[int, _Session] = {}
        self.verified: set = set()  # signatures checked against cupy.matmul
        self.shapes: set = set()  # (dtype, shape of a, shape of b) of the verified ones
        self.pending: dict = {}  # signatures met while capturing, not yet checked
        self.calls = 0  # products recorded in graphs


_S = _State()
_lock = threading.Lock()


def use_library(lib=None) -> None:
    """Use ``lib`` (an object with libcublas's entry points, as ctypes calls them) from now
    on, with the state of this module reset; ``None``: find libcublas on first use again.
    The CuPy stand-in of the test suite has no libcublas: its tests give it a fake."""
    global _S
    with _lock:
        _S = _State(lib)


def turn_off(why: str = "turned off") -> None:
    """Compute no product here until :func:`use_library` (products stay between graphs);
    ``GPUAD_CUBLAS_GRAPH=0`` in the environment does the same from the start."""
    _S.unavailable = why


def status() -> str:
    """``'unused'``, ``'used'`` (products recorded in graphs), ``'unavailable: why'`` or
    ``'disabled: why'``."""
    s = _S
    if s.disabled:
        return f"disabled: {s.disabled}"
    if s.unavailable:
        return f"unavailable: {s.unavailable}"
    return "used" if s.calls else "unused"


def _disable(why: str) -> None:
    if _S.disabled is None:
        _S.disabled = why
        warnings.warn(f"gpuad: matrix products inside CUDA graphs are turned off for this "
                      f"process ({why}); they run between the graphs, as cupy.matmul",
                      RuntimeWarning, stacklevel=3)


def workspace_bytes(xp) -> int:
    """The workspace cuBLAS's documentation recommends: 32 MiB on Hopper and later, else
    4 MiB."""
    try:
        major = int(str(xp.cuda.Device().compute_capability)[:-1] or 0)
    except Exception:  # noqa: BLE001 - no device attributes: the larger size
        major = 9
    return (32 if major >= 9 else 4) << 20


class _Session:
    """A cuBLAS handle of this module's own on one device, with a workspace for the calls
    made outside any capture (the checks)."""

    def __init__(self, lib, xp):
        h = ctypes.c_void_p()
        _check(lib.cublasCreate_v2(ctypes.addressof(h)), "cublasCreate_v2")
        self.lib, self.handle = lib, h.value
        _check(lib.cublasSetMathMode(self.handle, 0), "cublasSetMathMode")  # default math
        self.workspace = xp.empty(workspace_bytes(xp), np.uint8)
        self.device = self.workspace.data.device_id
        self.lock = threading.Lock()

    def gemm(self, call: Call, pa: int, pb: int, pc: int, stream: int, workspace) -> None:
        lib, h = self.lib, self.handle
        name, batched, ctype, parts = _ROUTINES[call.char]
        one, zero = (ctype * parts)(*([1.0] + [0.0] * (parts - 1))), (ctype * parts)()
        alpha, beta = ctypes.addressof(one), ctypes.addressof(zero)
        ldc = max(1, call.n)
        with self.lock:
            _check(lib.cublasSetStream_v2(h, stream), "cublasSetStream_v2")
            # (setting the stream puts the handle back on cuBLAS's own workspace)
            _check(lib.cublasSetWorkspace_v2(h, workspace.data.ptr, workspace.nbytes),
                   "cublasSetWorkspace_v2")
            if call.batch == 1:
                _check(getattr(lib, name)(h, call.opx, call.opy, call.n, call.m, call.k, alpha,
                                          pb, call.ldx, pa, call.ldy, beta, pc, ldc), name)
            else:
                _check(getattr(lib, batched)(h, call.opx, call.opy, call.n, call.m, call.k,
                                             alpha, pb, call.ldx, call.sx, pa, call.ldy, call.sy,
                                             beta, pc, ldc, call.m * call.n, call.batch), batched)


def _session(xp) -> _Session | None:
    """This device's session, made on first use (outside any capture: it allocates), or None
    where cuBLAS cannot be used."""
    s = _S
    if s.disabled or s.unavailable:
        return None
    if s.lib is None:
        if s.tried:
            return None
        s.tried = True
        if os.environ.get("GPUAD_CUBLAS_GRAPH", "1") == "0":
            s.unavailable = "turned off by GPUAD_CUBLAS_GRAPH=0"
            return None
        if getattr(xp, "_gpuad_no_cuda_c", False):  # a CuPy that runs no CUDA (the stand-in)
            s.unavailable = "this CuPy runs no CUDA libraries"
            return None
        try:
            s.lib = _bind(_find_library())
        except Exception as e:  # noqa: BLE001 - any failure: today's path, with the reason
            s.unavailable = f"libcublas not found: {type(e).__name__}: {e}"
            warnings.warn(f"gpuad: matrix products stay outside CUDA graphs ({s.unavailable})",
                          RuntimeWarning, stacklevel=3)
            return None
    dev = int(xp.cuda.runtime.getDevice())
    sess = s.sessions.get(dev)
    if sess is None:
        try:
            sess = s.sessions[dev] = _Session(s.lib, xp)
        except Exception as e:  # noqa: BLE001
            _disable(f"{type(e).__name__}: {e}")
            return None
    return sess


def matmul(a, b, *, stream=None, workspace=None):
    """``a @ b`` computed by ``cublas<t>gemm`` on ``stream`` (default: CuPy's current
    stream) in ``workspace`` (default: the session's), or None where declined or cuBLAS is
    not usable. Example: ``c = matmul(a, b)``; ``cupy.allclose(c, a @ b)``."""
    import cupy as xp

    sess = _session(xp)
    call = plan(a, b, xp.ndarray)
    if sess is None or isinstance(call, str) or call.launches and not _on(sess, a, b):
        return None
    return _run(sess, xp, call, a, b, stream, workspace)


def _on(sess: _Session, a, b) -> bool:
    """Whether both operands are on the session's device."""
    return a.data.device_id == sess.device and b.data.device_id == sess.device


def _run(sess: _Session, xp, call: Call, a, b, stream, workspace):
    if not call.launches:
        make = xp.zeros if call.k == 0 else xp.empty
        return make(call.out_shape, a.dtype)
    out = xp.empty(call.out_shape, a.dtype)
    if stream is None:
        stream = xp.cuda.get_current_stream()
    sess.gemm(call, a.data.ptr, b.data.ptr, out.data.ptr, stream.ptr,
              sess.workspace if workspace is None else workspace)
    return out


# ---- inside a capture -----------------------------------------------------------------------

def _signature(a, b) -> tuple:
    """What the check of a call covers: dtype, shapes, strides and 16-byte alignment."""
    return (a.dtype.str, a.shape, a.strides, a.data.ptr % 16,
            b.shape, b.strides, b.data.ptr % 16)


class GraphMatmul:
    """``a @ b`` recorded on a capturing stream (``__call__``), for signatures checked
    before; a signature met for the first time is declined and kept in ``pending`` until
    :meth:`check_pending` (outside any capture) has compared it with ``cupy.matmul``.
    ``used``: the products recorded."""

    def __init__(self, sess: _Session, xp, stream, workspace):
        self.sess, self.xp, self.stream, self.workspace = sess, xp, stream, workspace
        self.used = 0

    def __call__(self, a, b):
        s = _S
        if s.disabled:
            return None
        call = plan(a, b, self.xp.ndarray)
        if isinstance(call, str) or call.launches and not _on(self.sess, a, b):
            return None
        if call.launches:
            sig = _signature(a, b)
            if sig not in s.verified:
                s.pending[sig] = None
                return None
        try:
            out = _run(self.sess, self.xp, call, a, b, self.stream, self.workspace)
        except CublasError as e:  # nothing was launched: the step is left out, as before
            _disable(str(e))
            return None
        self.used += 1
        return out

    def done(self) -> int:
        """The capture is complete: count its products as used (:func:`status`)."""
        _S.calls += self.used
        return self.used

    @staticmethod
    def known(dtype, shape_a, shape_b) -> bool:
        """Whether a signature with these dtype and shapes has been checked (some layout)."""
        return (np.dtype(dtype).str, tuple(shape_a), tuple(shape_b)) in _S.shapes

    @property
    def pending(self) -> bool:
        return bool(_S.pending)

    def check_pending(self) -> None:
        """Compare each pending signature's product with ``cupy.matmul`` (outside capture);
        the first mismatch or failure turns the path off, with one warning."""
        s = _S
        while s.pending and not s.disabled:
            sig = next(iter(s.pending))
            try:
                why = _verify(self.sess, self.xp, sig)
            except Exception as e:  # noqa: BLE001
                if "synchroniz" in type(e).__name__.lower():  # reads refused (allow_synchronize)
                    return  # not checked now; today's path for those products meanwhile
                why = f"{type(e).__name__}: {e}"
            if why is not None:
                _disable(why)
                return
            del s.pending[sig]
            s.verified.add(sig)
            s.shapes.add((sig[0], sig[1], sig[4]))


def for_capture(xp, stream, held: list) -> GraphMatmul | None:
    """A :class:`GraphMatmul` for a capture on ``stream`` with a workspace of its own (kept
    in ``held`` with the graph's memory: graphs launched on different streams never share
    one), made outside the capture; None where cuBLAS cannot be used."""
    sess = _session(xp)
    if sess is None:
        return None
    try:
        ws = xp.empty(workspace_bytes(xp), np.uint8)
    except MemoryError:  # (CuPy's OutOfMemoryError is one): the products stay out
        return None
    held.append(ws)
    return GraphMatmul(sess, xp, stream, ws)


def _synthetic(xp, rs, dtype, shape, strides, align):
    """A random array (drawn on the device from ``rs``) with ``shape``, ``strides`` and the
    byte alignment ``align`` (mod 16), over a buffer of its own."""
    dt = np.dtype(dtype)
    off = align // dt.itemsize
    span = 1 + sum((d - 1) * s // dt.itemsize for d, s in zip(shape, strides, strict=True)
                   if d > 1)
    real = np.dtype(dt.char.lower())
    buf = rs.randn(off + span, dtype=real)
    if dt.kind == "c":
        buf = (buf + 1j * rs.randn(off + span, dtype=real)).astype(dt)
    return xp.ndarray(shape, dt, memptr=buf[off:].data, strides=strides)


def _verify(sess: _Session, xp, sig: tuple) -> str | None:
    """None if this module's product of random arrays with signature ``sig`` equals
    ``cupy.matmul``'s within float round-off, else why not. On the device: one number is
    read back. Round-off: summing ``k`` products in another order changes the result by
    about ``eps * sqrt(k) * ||a_i b_i||`` (random signs), so a bound 16 times that holds for
    any two correct algorithms, while a wrong product misses by about ``||a_i b_i||``."""
    dt, sa, ta, oa, sb, tb, ob = sig
    rs = xp.random.RandomState(len(_S.verified) + 1)  # (not the user's random state)
    a = _synthetic(xp, rs, dt, sa, ta, oa)
    b = _synthetic(xp, rs, dt, sb, tb, ob)
    what = f"{sa} @ {sb} ({np.dtype(dt)}, strides {ta} and {tb})"
    call = plan(a, b, xp.ndarray)
    got = None if isinstance(call, str) else _run(sess, xp, call, a, b, None, None)
    if got is None:
        return f"the check's arrays of {what} were declined: {call}"
    want = xp.matmul(a, b)
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"{what} gave {got.shape} {got.dtype}, cupy.matmul {want.shape} {want.dtype}"
    k = sa[-1]
    fin = np.finfo(np.dtype(dt))
    norm = xp.sqrt(xp.matmul(xp.abs(a) ** 2, xp.abs(b) ** 2))
    bound = norm * (16.0 * float(fin.eps) * k ** 0.5) + float(fin.tiny)
    worst = float(xp.max(xp.abs(got - want) / bound))  # NaN where got holds a NaN
    if not worst <= 1.0:
        return f"{what} differs from cupy.matmul by {worst:.3g} times float round-off"
    return None
