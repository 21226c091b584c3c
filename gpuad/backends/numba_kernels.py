"""Numba CUDA kernels for the adjoints that CuPy has no single fused call for.

Scatter-add (the adjoint of take / advanced indexing / embedding lookups), fused softmax
cross-entropy, row-wise softmax and log-softmax, and a launch-overhead probe.

Every wrapper accepts CuPy arrays, Numba device arrays or NumPy arrays and returns arrays of
the kind of its main argument. CuPy arrays are viewed zero-copy (``cuda.as_cuda_array``) and the
kernel runs on CuPy's current stream, so nothing waits on the host. NumPy arrays are copied to
the device, processed and copied back: that is how the CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) runs these kernels in CI.

``numba.cuda`` is imported on the first call, never when this module is imported. Kernels are
compiled on first use, once per dtype (float32, float64), with explicit signatures.

Index checks: indices that live on the host (NumPy arrays) or run under the simulator are checked
and an ``IndexError`` names the op and the bound. Indices already on a GPU are not read back (that
would synchronise); the caller must have checked them. There the kernels skip rows that are out of
range instead of writing outside ``out``, and cross-entropy rows with an invalid label get NaN.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np

__all__ = [
    "compile_ptx",
    "embedding_backward",
    "launch_overhead_us",
    "log_softmax_backward",
    "log_softmax_forward",
    "scatter_add_flat",
    "scatter_add_rows",
    "simulator_enabled",
    "softmax_backward",
    "softmax_forward",
    "softmax_xent_backward",
    "softmax_xent_forward",
]

cuda: Any = None  # numba.cuda, bound by _cuda(); kernels read it as a global

_sim = False
_MAX_BLOCK = 256
_DTYPES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64"}


# ----------------------------------------------------------------------------- device code


def _block_max_py(sh, v):
    t = cuda.threadIdx.x
    sh[t] = v
    cuda.syncthreads()
    s = cuda.blockDim.x // 2
    while s > 0:
        if t < s and sh[t + s] > sh[t]:
            sh[t] = sh[t + s]
        cuda.syncthreads()
        s //= 2
    r = sh[0]
    cuda.syncthreads()
    return r


def _block_sum_py(sh, v):
    t = cuda.threadIdx.x
    sh[t] = v
    cuda.syncthreads()
    s = cuda.blockDim.x // 2
    while s > 0:
        if t < s:
            sh[t] += sh[t + s]
        cuda.syncthreads()
        s //= 2
    r = sh[0]
    cuda.syncthreads()
    return r


_block_max: Any = _block_max_py
_block_sum: Any = _block_sum_py


def _row_max_py(x, r, sh):
    """Block-wide max of row ``r`` of ``x``, for every thread."""
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    m = x[r, 0]
    for c in range(t, x.shape[1], nt):
        if x[r, c] > m:
            m = x[r, c]
    return _block_max(sh, m)


_row_max: Any = _row_max_py


def _row_max_sum_py(x, r, sh, acc):
    """Block-wide max of row ``r`` of ``x`` and sum of ``exp(x[r] - max)``, for every thread."""
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    n = x.shape[1]
    m = _row_max(x, r, sh)
    acc[0] = 0
    for c in range(t, n, nt):
        acc[0] += math.exp(x[r, c] - m)
    s = _block_sum(sh, acc[0])
    return m, s


_row_max_sum: Any = _row_max_sum_py


def _row_max_rest_py(x, r, sh, acc):
    """Block-wide max of row ``r``, and ``sum(exp(x[r] - max)) - 1`` without rounding the 1 in:
    the terms below the max are summed apart from the count of entries equal to it."""
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    n = x.shape[1]
    m = _row_max(x, r, sh)
    acc[0] = 0
    acc[1] = 0
    if t == 0:
        acc[1] = -1  # the one max term left out (stored, so the count stays in x's dtype)
    for c in range(t, n, nt):
        v = x[r, c]
        if v == m:
            acc[1] += 1
        else:
            acc[0] += math.exp(v - m)
    s = _block_sum(sh, acc[0])
    ties = _block_sum(sh, acc[1])
    return m, ties + s


_row_max_rest: Any = _row_max_rest_py


def _k_zero(out):
    n, d = out.shape
    for t in range(cuda.grid(1), n * d, cuda.gridsize(1)):
        i = t // d
        out[i, t - i * d] = 0


def _k_scatter_atomic(out, idx, values):
    n, d = out.shape
    m = idx.shape[0]
    for t in range(cuda.grid(1), m * d, cuda.gridsize(1)):
        i = t // d
        j = t - i * d
        r = idx[i]
        if r < 0:
            r += n
        if r >= 0 and r < n:
            cuda.atomic.add(out, (r, j), values[i, j])


def _k_scatter_sorted(out, sidx, order, values):
    n, d = out.shape
    m = sidx.shape[0]
    for t in range(cuda.grid(1), m * d, cuda.gridsize(1)):
        p = t // d
        j = t - p * d
        r = sidx[p]
        if (p == 0 or sidx[p - 1] != r) and r >= 0 and r < n:
            a = out[r, j]
            q = p
            while q < m and sidx[q] == r:
                a += values[order[q], j]
                q += 1
            out[r, j] = a


def _k_xent_fwd(x, labels, loss, lse):
    sh = cuda.shared.array(0, dtype=x.dtype)
    acc = cuda.local.array(2, dtype=x.dtype)
    n_rows, n_cols = x.shape
    for r in range(cuda.blockIdx.x, n_rows, cuda.gridDim.x):
        m, rest = _row_max_rest(x, r, sh, acc)
        if cuda.threadIdx.x == 0:
            ls = math.log1p(rest)  # log(sum exp(x - m)), exact as the sum goes to 1
            lse[r] = m + ls
            lab = labels[r]
            if lab >= 0 and lab < n_cols:
                loss[r] = (m - x[r, lab]) + ls  # never m + ls rounded, then minus x[lab]
            else:
                loss[r] = math.nan


def _k_xent_bwd(x, loss, labels, g, out, accumulate):
    n_rows, n_cols = x.shape
    for t in range(cuda.grid(1), n_rows * n_cols, cuda.gridsize(1)):
        r = t // n_cols
        c = t - r * n_cols
        lab = labels[r]
        if lab < 0 or lab >= n_cols:  # unchecked device labels: no read outside the row
            out[r, c] = math.nan
            continue
        if c == lab:
            v = g[r] * math.expm1(-loss[r])  # softmax - 1 at the label
        else:
            v = g[r] * math.exp((x[r, c] - x[r, lab]) - loss[r])
        if accumulate:
            out[r, c] += v
        else:
            out[r, c] = v


def _k_log_softmax_fwd(x, y):
    sh = cuda.shared.array(0, dtype=x.dtype)
    acc = cuda.local.array(1, dtype=x.dtype)
    n_rows, n_cols = x.shape
    for r in range(cuda.blockIdx.x, n_rows, cuda.gridDim.x):
        m, s = _row_max_sum(x, r, sh, acc)
        v = m + math.log(s)
        for c in range(cuda.threadIdx.x, n_cols, cuda.blockDim.x):
            y[r, c] = x[r, c] - v


def _k_softmax_fwd(x, y):
    sh = cuda.shared.array(0, dtype=x.dtype)
    acc = cuda.local.array(1, dtype=x.dtype)
    n_rows, n_cols = x.shape
    for r in range(cuda.blockIdx.x, n_rows, cuda.gridDim.x):
        m, s = _row_max_sum(x, r, sh, acc)
        for c in range(cuda.threadIdx.x, n_cols, cuda.blockDim.x):
            y[r, c] = math.exp(x[r, c] - m) / s


def _k_log_softmax_bwd(y, g, out, accumulate):
    sh = cuda.shared.array(0, dtype=y.dtype)
    acc = cuda.local.array(1, dtype=y.dtype)
    n_rows, n_cols = y.shape
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    for r in range(cuda.blockIdx.x, n_rows, cuda.gridDim.x):
        acc[0] = 0
        for c in range(t, n_cols, nt):
            acc[0] += g[r, c]
        s = _block_sum(sh, acc[0])
        for c in range(t, n_cols, nt):
            v = g[r, c] - math.exp(y[r, c]) * s
            if accumulate:
                out[r, c] += v
            else:
                out[r, c] = v


def _k_softmax_bwd(y, g, out, accumulate):
    sh = cuda.shared.array(0, dtype=y.dtype)
    acc = cuda.local.array(1, dtype=y.dtype)
    n_rows, n_cols = y.shape
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    for r in range(cuda.blockIdx.x, n_rows, cuda.gridDim.x):
        acc[0] = 0
        for c in range(t, n_cols, nt):
            acc[0] += g[r, c] * y[r, c]
        s = _block_sum(sh, acc[0])
        for c in range(t, n_cols, nt):
            v = y[r, c] * (g[r, c] - s)
            if accumulate:
                out[r, c] += v
            else:
                out[r, c] = v


def _k_empty1(a):
    pass


def _k_empty2(a, b):
    pass


def _k_empty4(a, b, c, d):
    pass


_SIGNATURES = {
    "zero": (_k_zero, "void({f}[:, :])"),
    "scatter_atomic": (_k_scatter_atomic, "void({f}[:, :], int64[:], {f}[:, :])"),
    "scatter_sorted": (_k_scatter_sorted, "void({f}[:, :], int64[:], int64[:], {f}[:, :])"),
    "xent_fwd": (_k_xent_fwd, "void({f}[:, :], int64[:], {f}[:], {f}[:])"),
    "xent_bwd": (_k_xent_bwd, "void({f}[:, :], {f}[:], int64[:], {f}[:], {f}[:, :], boolean)"),
    "log_softmax_fwd": (_k_log_softmax_fwd, "void({f}[:, :], {f}[:, :])"),
    "log_softmax_bwd": (_k_log_softmax_bwd, "void({f}[:, :], {f}[:, :], {f}[:, :], boolean)"),
    "softmax_fwd": (_k_softmax_fwd, "void({f}[:, :], {f}[:, :])"),
    "softmax_bwd": (_k_softmax_bwd, "void({f}[:, :], {f}[:, :], {f}[:, :], boolean)"),
    "empty1": (_k_empty1, "void({f}[:])"),
    "empty2": (_k_empty2, "void({f}[:], {f}[:])"),
    "empty4": (_k_empty4, "void({f}[:], {f}[:], {f}[:], {f}[:])"),
}

_compiled: dict[tuple[str, str], Any] = {}


# ----------------------------------------------------------------------------- host side


def _cuda() -> ModuleType:
    """numba.cuda, imported on first use, with the device helpers jitted."""
    global cuda, _block_max, _block_sum, _row_max, _row_max_sum, _row_max_rest, _sim
    if cuda is None:
        from numba import config
        from numba import cuda as nb_cuda

        _sim = bool(config.ENABLE_CUDASIM)
        cuda = nb_cuda
        _block_max = nb_cuda.jit(device=True)(_block_max_py)
        _block_sum = nb_cuda.jit(device=True)(_block_sum_py)
        _row_max = nb_cuda.jit(device=True)(_row_max_py)
        _row_max_sum = nb_cuda.jit(device=True)(_row_max_sum_py)
        _row_max_rest = nb_cuda.jit(device=True)(_row_max_rest_py)
    return cuda


def simulator_enabled() -> bool:
    """True when Numba runs CUDA kernels in its CPU simulator.

    Example: ``numba_kernels.simulator_enabled()`` -> ``True`` on a machine without a GPU in CI.
    """
    _cuda()
    return _sim


def _kernel(name: str, dtype: np.dtype) -> Any:
    key = (name, _DTYPES[dtype])
    k = _compiled.get(key)
    if k is None:
        nb = _cuda()
        fn, sig = _SIGNATURES[name]
        k = nb.jit(sig.format(f=key[1]))(fn)
        _compiled[key] = k
    return k


def compile_ptx(dtype: Any = np.float32, cc: tuple[int, int] = (9, 0)) -> dict[str, str]:
    """PTX of every kernel for ``dtype``, compiled by NVVM without a GPU (not under the simulator).

    Example: ``"atom.global.add.f32" in compile_ptx("float32")["scatter_atomic"]`` -> ``True``
    """
    nb = _cuda()
    if simulator_enabled():
        raise RuntimeError("compile_ptx: the CUDA simulator is enabled; NVVM is not used")
    dt = _float_dtype("compile_ptx", np.dtype(dtype))
    with _device_functions_for(cc):
        return {
            name: nb.compile_ptx(fn, sig.format(f=_DTYPES[dt]), cc=cc)[0]
            for name, (fn, sig) in _SIGNATURES.items()
        }


@contextlib.contextmanager
def _device_functions_for(cc: tuple[int, int]) -> Iterator[None]:
    """Let device functions compile for ``cc`` where no GPU (no driver) is present.

    Numba asks the current device for its compute capability when it compiles a device function
    called from a kernel; without a driver that fails, so the lookup answers ``cc`` meanwhile.
    """
    from numba.cuda import dispatcher

    try:
        cuda.get_current_device()
        has_device = True
    except Exception:
        has_device = False
    original = getattr(dispatcher, "get_current_device", None)
    if has_device or original is None:
        yield
        return
    dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=cc)
    try:
        yield
    finally:
        dispatcher.get_current_device = original


def _kind(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return "numpy"
    if type(a).__module__.startswith("cupy"):
        return "cupy"
    if hasattr(a, "copy_to_host"):
        return "numba"
    if hasattr(a, "__cuda_array_interface__"):
        return "foreign"
    return "host"


def _arr(a: Any) -> Any:
    return a if hasattr(a, "shape") and hasattr(a, "dtype") else np.asarray(a)


def _dtype(a: Any) -> np.dtype:
    return np.dtype(a.dtype) if hasattr(a, "dtype") else np.asarray(a).dtype


def _float_dtype(op: str, *dtypes: np.dtype) -> np.dtype:
    for dt in dtypes:
        if dt not in _DTYPES:
            raise TypeError(f"{op}: expected float32 or float64 arrays, got {dt}")
    if len(set(dtypes)) > 1:
        raise TypeError(f"{op}: arrays must share one dtype, got {', '.join(map(str, dtypes))}")
    return dtypes[0]


def _to_device(a: Any, kind: str | None = None) -> Any:
    kind = kind or _kind(a)
    if kind in ("cupy", "foreign"):
        return cuda.as_cuda_array(a, sync=False)
    if kind == "numba":
        return a
    return cuda.to_device(np.ascontiguousarray(a))


def _stream(kind: str) -> Any:
    if kind != "cupy" or simulator_enabled():
        return 0
    import cupy

    ptr = cupy.cuda.get_current_stream().ptr
    return cuda.external_stream(ptr) if ptr else cuda.default_stream()


def _empty(kind: str, shape: tuple[int, ...], dtype: np.dtype) -> tuple[Any, Any]:
    """(device view, object to return) of a new uninitialised array of ``kind``."""
    if kind == "cupy":
        import cupy

        res = cupy.empty(shape, dtype=dtype)
        return cuda.as_cuda_array(res, sync=False), res
    dev = cuda.device_array(shape, dtype=dtype)
    return dev, dev


def _result(kind: str, dev: Any, res: Any) -> Any:
    return dev.copy_to_host() if kind in ("numpy", "host") else res


def _launch_1d(n: int) -> tuple[int, int]:
    if simulator_enabled():
        return min(-(-n // 16), 2), 16
    return min(-(-n // 256), 65535), 256


def _launch_rows(n_rows: int, n_cols: int, dtype: np.dtype) -> tuple[int, int, int]:
    """(grid, block, dynamic shared bytes) for the one-block-per-row kernels.

    The reduction buffer is dynamic shared memory: its size follows the block chosen here, and
    the simulator allocates it once per block (its static shared arrays are allocated racily).
    """
    cap = 4 if simulator_enabled() else _MAX_BLOCK
    block = 32 if cap >= 32 else 1
    while block < cap and block < n_cols:
        block *= 2
    return min(n_rows, 2 if cap < 32 else 65535), block, block * dtype.itemsize


def _check_range(op: str, a: Any, lo: int, hi: int, what: str) -> None:
    bad = a[(a < lo) | (a >= hi)]
    if bad.size:
        raise IndexError(
            f"{op}: {what} {int(bad.flat[0])} is out of bounds for an axis of size {hi}"
            f" (valid: {lo} <= {what} < {hi})"
        )


def _int64_indices(op: str, idx: Any, bound_lo: int, bound_hi: int, what: str) -> Any:
    """``idx`` as int64 on the host (checked) or on the device (unchecked, no sync)."""
    kind = _kind(idx)
    if kind == "foreign" or (kind == "cupy" and simulator_enabled()):
        idx, kind = cuda.as_cuda_array(idx, sync=False), "numba"
    if kind in ("numpy", "host"):
        a = np.asarray(idx)
        if a.dtype.kind not in "iu":
            raise TypeError(f"{op}: {what} must be integers, got {a.dtype}")
        a = a.astype(np.int64, copy=False)
        _check_range(op, a, bound_lo, bound_hi, what)
        return a
    if np.dtype(idx.dtype).kind not in "iu":
        raise TypeError(f"{op}: {what} must be integers, got {idx.dtype}")
    if simulator_enabled():
        # the simulator's arrays are host memory: check the range there, then hand over the
        # live array where its type allows, as on a GPU (a copy made while a stream captures
        # would freeze the indices into the graph); while capturing, values are not yet
        # written, and a GPU does not check them either
        if np.dtype(idx.dtype) == np.int64 and _capturing():
            return idx
        a = idx.copy_to_host().astype(np.int64, copy=False)
        _check_range(op, a, bound_lo, bound_hi, what)
        return idx if np.dtype(idx.dtype) == np.int64 else cuda.to_device(a)
    if np.dtype(idx.dtype) == np.int64:
        return idx
    if kind == "cupy":
        return idx.astype(np.int64)
    return cuda.to_device(idx.copy_to_host().astype(np.int64))


def _capturing() -> bool:
    """Whether CuPy's current stream is capturing a graph (False without CuPy)."""
    try:
        import cupy

        return bool(cupy.cuda.get_current_stream().is_capturing())
    except Exception:
        return False


def _sorted_segments(idx: Any, n: int) -> tuple[Any, Any]:
    """(sorted normalised indices, stable order) for the deterministic scatter."""
    kind = _kind(idx)
    if kind == "numba" and not simulator_enabled():
        try:
            import cupy

            idx, kind = cupy.asarray(idx), "cupy"
        except ImportError:
            idx, kind = idx.copy_to_host(), "numpy"
    if kind == "cupy":
        import cupy

        norm = cupy.where(idx < 0, idx + n, idx)
        order = cupy.argsort(norm)
        return _to_device(norm[order], "cupy"), _to_device(order, "cupy")
    host = idx.copy_to_host() if kind == "numba" else np.asarray(idx)
    norm = np.where(host < 0, host + n, host)
    order = np.argsort(norm, kind="stable")
    return cuda.to_device(np.ascontiguousarray(norm[order])), cuda.to_device(order)


def scatter_add_rows(out: Any, idx: Any, values: Any, deterministic: bool = False) -> Any:
    """Add ``values[i, :]`` into ``out[idx[i], :]`` in place, repeated indices accumulating.

    ``out`` is (N, D), ``idx`` is (M,) integers in [-N, N), ``values`` is (M, D). The default
    uses atomics; ``deterministic=True`` sorts the indices stably and sums each run of equal
    indices in its original order, so results are bitwise reproducible (and equal to
    ``np.add.at``); one thread walks each (run, column), so a run as long as M is serial.
    Returns ``out``.

    Example::

        out = np.zeros((3, 2), np.float32)
        scatter_add_rows(out, np.array([0, 2, 0]), np.ones((3, 2), np.float32))
        # out == [[2, 2], [0, 0], [1, 1]]
    """
    op = "scatter_add_rows"
    _cuda()
    idx, values = _arr(idx), _arr(values)
    kind = _kind(out)
    if kind == "host":
        raise TypeError(f"{op}: out must be an array updated in place, got {type(out).__name__}")
    dt = _float_dtype(op, _dtype(out), _dtype(values))
    if len(out.shape) != 2 or len(idx.shape) != 1 or len(values.shape) != 2:
        raise ValueError(
            f"{op}: expected out (N, D), idx (M,), values (M, D); got out {tuple(out.shape)}, "
            f"idx {tuple(idx.shape)}, values {tuple(values.shape)}"
        )
    n, d = out.shape
    m = idx.shape[0]
    if tuple(values.shape) != (m, d):
        raise ValueError(
            f"{op}: values must have shape {(m, d)} for idx {tuple(idx.shape)} and out "
            f"{tuple(out.shape)}, got {tuple(values.shape)}"
        )
    idx = _int64_indices(op, idx, -n, n, "index")
    if m == 0 or d == 0:
        return out
    d_out = _to_device(out, kind)
    d_val = _to_device(values)
    grid, block = _launch_1d(m * d)
    stream = _stream(kind)
    if deterministic:
        sidx, order = _sorted_segments(idx, n)
        _kernel("scatter_sorted", dt)[grid, block, stream](d_out, sidx, order, d_val)
    else:
        _kernel("scatter_atomic", dt)[grid, block, stream](d_out, _to_device(idx), d_val)
    if kind == "numpy":
        out[...] = d_out.copy_to_host()
    return out


def scatter_add_flat(
    out_flat: Any, idx_flat: Any, values_flat: Any, deterministic: bool = False
) -> Any:
    """1-D scatter-add: ``out_flat[idx_flat[i]] += values_flat[i]`` in place; returns ``out_flat``.

    Example::

        out = np.zeros(4)
        scatter_add_flat(out, np.array([1, -1, 1]), np.array([1.0, 2.0, 3.0]))
        # out == [0, 4, 0, 2]
    """
    op = "scatter_add_flat"
    idx_flat, values_flat = _arr(idx_flat), _arr(values_flat)
    if len(out_flat.shape) != 1 or len(idx_flat.shape) != 1 or len(values_flat.shape) != 1:
        raise ValueError(
            f"{op}: expected 1-D arrays, got out {tuple(out_flat.shape)}, idx "
            f"{tuple(idx_flat.shape)}, values {tuple(values_flat.shape)}"
        )
    scatter_add_rows(
        out_flat.reshape(out_flat.shape[0], 1),
        idx_flat,
        values_flat.reshape(values_flat.shape[0], 1),
        deterministic,
    )
    return out_flat


def embedding_backward(num_rows: int, idx: Any, g_rows: Any, deterministic: bool = False) -> Any:
    """Gradient of an embedding table lookup ``table[idx]``: zeros (num_rows, D) plus scatter-add.

    ``idx`` may have any shape S; ``g_rows`` then has shape S + (D,).

    Example::

        g = embedding_backward(4, np.array([[1, 1], [3, 0]]), np.ones((2, 2, 5), np.float32))
        # g[1] == 2, g[0] == g[3] == 1, g[2] == 0 (each of shape (5,))
    """
    op = "embedding_backward"
    idx = _arr(idx)
    idx_shape = tuple(idx.shape)
    g_shape = tuple(g_rows.shape)
    if g_shape[:-1] != idx_shape or len(g_shape) < 1:
        raise ValueError(
            f"{op}: g_rows must have shape idx.shape + (D,) = {idx_shape} + (D,), got {g_shape}"
        )
    d = g_shape[-1]
    m = int(np.prod(idx_shape, dtype=np.int64))
    kind = _kind(g_rows)
    dt = _float_dtype(op, _dtype(g_rows))
    if kind in ("numpy", "host"):
        out = np.zeros((num_rows, d), dtype=dt)
        return scatter_add_rows(
            out, np.asarray(idx).reshape(m), np.asarray(g_rows).reshape(m, d), deterministic
        )
    nb = _cuda()
    if kind == "cupy":
        import cupy

        out = cupy.zeros((num_rows, d), dtype=dt)
    else:
        out = nb.device_array((num_rows, d), dtype=dt)
        if num_rows * d:
            grid, block = _launch_1d(num_rows * d)
            _kernel("zero", dt)[grid, block](out)
    return scatter_add_rows(out, idx.reshape(m), g_rows.reshape(m, d), deterministic)


def _check_2d(op: str, name: str, a: Any) -> tuple[int, int]:
    if len(a.shape) != 2:
        raise ValueError(f"{op}: {name} must be 2-D (rows, classes), got shape {tuple(a.shape)}")
    return a.shape[0], a.shape[1]


def softmax_xent_forward(logits: Any, labels: Any) -> tuple[Any, Any]:
    """Per-row softmax cross-entropy: ``(lse - logits[r, labels[r]], lse)`` for (R, C) logits.

    ``lse`` is the row's log-sum-exp. The loss is not computed as that difference (which
    rounds at the scale of the logits) but as ``(max - picked) + log1p(rest)``, accurate to the
    last bits as the loss goes to zero; pass it to :func:`softmax_xent_backward`.

    Example::

        loss, lse = softmax_xent_forward(np.zeros((2, 4)), np.array([0, 3]))
        # loss == lse == [log 4, log 4]
    """
    op = "softmax_xent_forward"
    _cuda()
    labels = _arr(labels)
    kind = _kind(logits)
    dt = _float_dtype(op, _dtype(logits))
    r, c = _check_2d(op, "logits", logits)
    if tuple(labels.shape) != (r,):
        raise ValueError(f"{op}: labels must have shape {(r,)} for logits {(r, c)}")
    if r and not c:
        raise ValueError(f"{op}: logits {(r, c)} have no classes")
    labels = _int64_indices(op, labels, 0, c, "label")
    d_loss, loss = _empty(kind, (r,), dt)
    d_lse, lse = _empty(kind, (r,), dt)
    if r:
        grid, block, shm = _launch_rows(r, c, dt)
        _kernel("xent_fwd", dt)[grid, block, _stream(kind), shm](
            _to_device(logits, kind), _to_device(labels), d_loss, d_lse
        )
    return _result(kind, d_loss, loss), _result(kind, d_lse, lse)


def _out_or_new(op: str, kind: str, like: Any, dt: np.dtype, out: Any) -> tuple[Any, Any]:
    if out is None:
        return _empty(kind, tuple(like.shape), dt)
    if tuple(out.shape) != tuple(like.shape):
        raise ValueError(f"{op}: out has shape {tuple(out.shape)}, expected {tuple(like.shape)}")
    _float_dtype(op, dt, _dtype(out))
    return _to_device(out), out


def _finish(kind: str, out: Any, d_out: Any, res: Any) -> Any:
    if out is not None:
        if _kind(out) == "numpy":
            out[...] = d_out.copy_to_host()
        return out
    return _result(kind, d_out, res)


def softmax_xent_backward(
    logits: Any, loss_rows: Any, labels: Any, g_rows: Any, out: Any = None
) -> Any:
    """``g[r] * (softmax(logits)[r] - onehot(labels[r]))``; added into ``out`` when given.

    ``loss_rows`` is the forward's loss: ``softmax[r, j] = exp((x[r, j] - x[r, label]) -
    loss[r])``, and at the label ``softmax - 1 = expm1(-loss[r])``, exact as the loss goes to
    zero (``exp(x - lse) - 1`` would cancel).

    Example::

        x = np.zeros((1, 2)); loss, lse = softmax_xent_forward(x, np.array([1]))
        softmax_xent_backward(x, loss, np.array([1]), np.ones(1))  # [[0.5, -0.5]]
    """
    op = "softmax_xent_backward"
    _cuda()
    labels = _arr(labels)
    kind = _kind(logits)
    dt = _float_dtype(op, _dtype(logits), _dtype(loss_rows), _dtype(g_rows))
    r, c = _check_2d(op, "logits", logits)
    if tuple(loss_rows.shape) != (r,) or tuple(g_rows.shape) != (r,):
        raise ValueError(
            f"{op}: loss_rows and g_rows must have shape {(r,)}, got "
            f"{tuple(loss_rows.shape)} and {tuple(g_rows.shape)}"
        )
    labels = _int64_indices(op, labels, 0, c, "label")
    d_out, res = _out_or_new(op, kind, logits, dt, out)
    if r * c:
        grid, block = _launch_1d(r * c)
        _kernel("xent_bwd", dt)[grid, block, _stream(kind)](
            _to_device(logits, kind),
            _to_device(loss_rows),
            _to_device(labels),
            _to_device(g_rows),
            d_out,
            out is not None,
        )
    return _finish(kind, out, d_out, res)


def _row_forward(op: str, name: str, x: Any) -> Any:
    _cuda()
    kind = _kind(x)
    dt = _float_dtype(op, _dtype(x))
    r, c = _check_2d(op, "x", x)
    d_y, y = _empty(kind, (r, c), dt)
    if r * c:
        grid, block, shm = _launch_rows(r, c, dt)
        _kernel(name, dt)[grid, block, _stream(kind), shm](_to_device(x, kind), d_y)
    return _result(kind, d_y, y)


def _row_backward(op: str, name: str, y: Any, g: Any, out: Any) -> Any:
    _cuda()
    kind = _kind(y)
    dt = _float_dtype(op, _dtype(y), _dtype(g))
    r, c = _check_2d(op, "y", y)
    if tuple(g.shape) != (r, c):
        raise ValueError(f"{op}: g has shape {tuple(g.shape)}, expected {(r, c)}")
    d_out, res = _out_or_new(op, kind, y, dt, out)
    if r * c:
        grid, block, shm = _launch_rows(r, c, dt)
        _kernel(name, dt)[grid, block, _stream(kind), shm](
            _to_device(y, kind), _to_device(g), d_out, out is not None
        )
    return _finish(kind, out, d_out, res)


def log_softmax_forward(x: Any) -> Any:
    """Row-wise ``x - logsumexp(x, axis=1)`` of a 2-D array.

    Example: ``log_softmax_forward(np.zeros((1, 2)))`` -> ``[[-log 2, -log 2]]``
    """
    return _row_forward("log_softmax_forward", "log_softmax_fwd", x)


def log_softmax_backward(y: Any, g: Any, out: Any = None) -> Any:
    """``g - exp(y) * g.sum(axis=1)`` from the forward output ``y``; added into ``out`` if given.

    Example: ``log_softmax_backward(np.log(np.full((1, 2), 0.5)), np.array([[1.0, 0.0]]))``
    -> ``[[0.5, -0.5]]``
    """
    return _row_backward("log_softmax_backward", "log_softmax_bwd", y, g, out)


def softmax_forward(x: Any) -> Any:
    """Row-wise ``exp(x - max) / sum(exp(x - max))`` of a 2-D array.

    Example: ``softmax_forward(np.zeros((1, 4)))`` -> ``[[0.25, 0.25, 0.25, 0.25]]``
    """
    return _row_forward("softmax_forward", "softmax_fwd", x)


def softmax_backward(y: Any, g: Any, out: Any = None) -> Any:
    """``y * (g - (g * y).sum(axis=1))`` from the forward output ``y``; added into ``out`` if given.

    Example: ``softmax_backward(np.full((1, 2), 0.5), np.array([[1.0, 0.0]]))``
    -> ``[[0.25, -0.25]]``
    """
    return _row_backward("softmax_backward", "softmax_bwd", y, g, out)


def launch_overhead_us(nargs: int, n_launch: int = 1000) -> float | None:
    """Host microseconds per launch of an empty kernel with 1, 2 or 4 array arguments.

    Only meaningful on a GPU; returns None under the simulator.

    Example: ``launch_overhead_us(2)`` -> about ``8.0`` on an H100, ``None`` in CI.
    """
    if nargs not in (1, 2, 4):
        raise ValueError(f"launch_overhead_us: nargs must be 1, 2 or 4, got {nargs}")
    if n_launch < 1:
        raise ValueError(f"launch_overhead_us: n_launch must be positive, got {n_launch}")
    nb = _cuda()
    if simulator_enabled():
        return None
    dt = np.dtype(np.float32)
    k = _kernel(f"empty{nargs}", dt)
    args = [nb.device_array(1, dtype=dt) for _ in range(nargs)]
    launch = k[1, 1]
    for _ in range(10):
        launch(*args)
    nb.synchronize()
    t0 = time.perf_counter()
    for _ in range(n_launch):
        launch(*args)
    nb.synchronize()
    return (time.perf_counter() - t0) / n_launch * 1e6
