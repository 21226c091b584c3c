"""The GPU backend: CuPy arrays plus fused adjoint kernels compiled from ``kernels/*.cu``.

CuPy is imported when :class:`CupyBackend` is constructed, not when this module is imported.
The elementwise kernels, and which rule uses which, are generated from the primitives' ``exprs``
slots (:mod:`gpuad.backends.kernel_gen`). The NVRTC kernels cover the same-shape, C-contiguous
float32/float64 case. Binary rules whose operands broadcast (products and quotients) take CuPy
kernels generated from the same expressions: an
elementwise kernel that broadcasts the other operand, or, where the adjoint must be summed over
broadcast axes, a reduction kernel that maps and sums in one pass. Everything else returns
``NotImplemented`` so the engine falls back to the rule's formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from . import Backend, cuda_sources
from .kernel_gen import FWD_FILE, VJP_FILE, VjpKernel, fwd_kernels, vjp_kernels

ELEMENTWISE_SOURCE = VJP_FILE
FORWARD_SOURCE = FWD_FILE
# forward kernels pay off where bandwidth, not the launch, dominates
FORWARD_MIN_SIZE = 1 << 20
# The fused elementwise kernels and the rules they serve are generated from the primitives'
# expressions (gpuad/backends/kernel_gen.py, which also writes the two sources above).

_FLOAT_CHARS = {"f": "float32", "d": "float64"}
_BLOCK = 256
_BLOCKS_PER_SM = 32


def _is_constant(a: Any) -> bool:
    """A Python int or float: weakly typed, so the array partner keeps its dtype. NumPy
    scalars are not (float32 array * np.float64(2) is float64), nor are bools."""
    return type(a) in (int, float)


def _import_cupy() -> Any:
    try:
        import cupy
    except ImportError as exc:
        raise ImportError(
            "the 'cupy' backend needs CuPy: pip install 'gpuad[cuda12]' or 'gpuad[cuda13]'"
        ) from exc
    return cupy


class CupyBackend(Backend):
    """CuPy arrays on the current CUDA device, with NVRTC-compiled fused adjoints."""

    name = "cupy"

    def __init__(self) -> None:
        super().__init__()
        cupy = _import_cupy()
        self.cp = cupy
        self.xp = cupy
        self.array_type = cupy.ndarray
        self._modules: dict[tuple[str, str], Any] = {}
        self._kernels: dict[tuple[str, str, str], Any] = {}
        self._grid_cap: dict[int, int] = {}
        self._gemm_fn: Callable[..., Any] | None = None
        self._bcast_kernels: dict[tuple[str, str], Any] = {}
        self._bcast_exprs: dict[str, tuple[str, str]] = {}
        self.routes: dict[str, list[tuple[int, str]]] = {}
        # a CuPy that cannot compile CUDA C (the NumPy-backed stand-in the test suite runs the
        # CuPy path with on machines without a GPU) sets this; the rules with CUDA C kernels
        # then take their formula paths
        self.cuda_c = not getattr(cupy, "_gpuad_no_cuda_c", False)
        if self.cuda_c:
            self._install_elementwise()
        self.fused_vjp["matmul"] = self._matmul_vjp
        self.fused_vjp["softmax_cross_entropy"] = self._xent_vjp

    def _install_elementwise(self) -> None:
        """Put the generated elementwise kernels in the fused tables (rule -> kernel)."""
        for rule, kernels in vjp_kernels().items():
            self.fused_vjp[rule] = self._elementwise_vjp(rule, kernels)
            for k in kernels.values():
                if k.cupy is not None:
                    self._bcast_exprs[k.name] = (k.cupy_params, k.cupy)
        for rule, fk in fwd_kernels().items():
            self.fused_fwd[rule] = (self._unary_fwd(fk.name) if fk.arity == 1
                                    else self._binary_fwd(rule))

    def to_host(self, a: Any) -> numpy.ndarray:
        return self.cp.asnumpy(a)

    def is_available(self) -> bool:
        try:
            return self.cp.cuda.runtime.getDeviceCount() > 0
        except Exception:
            return False

    def synchronize(self) -> None:
        self.cp.cuda.get_current_stream().synchronize()

    # --- compilation ---------------------------------------------------------------------

    def module(self, source: str, dtype: str) -> Any:
        """The ``cupy.RawModule`` of ``source``'s kernels for ``dtype`` (compiled on first use)."""
        key = (source, dtype)
        mod = self._modules.get(key)
        if mod is None:
            code = cuda_sources.get_source(source)
            mod = self.cp.RawModule(
                code=code,
                options=cuda_sources.OPTIONS,
                name_expressions=cuda_sources.kernel_names(code, (dtype,)),
            )
            self._modules[key] = mod
        return mod

    def kernel(self, name: str, dtype: str, source: str = ELEMENTWISE_SOURCE) -> Any:
        """The ``RawKernel`` ``name<T>`` for ``dtype`` ("float32" or "float64")."""
        key = (source, name, dtype)
        k = self._kernels.get(key)
        if k is None:
            ctype = cuda_sources.DTYPES[dtype]
            k = self.module(source, dtype).get_function(f"{name}<{ctype}>")
            self._kernels[key] = k
        return k

    def warmup(self, dtypes: tuple[str, ...] = ("float32", "float64")) -> int:
        """Compile and load every kernel of every source for ``dtypes``; returns their count
        (0 where CuPy cannot compile CUDA C: no kernel is used there)."""
        count = 0
        if not self.cuda_c:
            return count
        for fname, code in cuda_sources.list_sources():
            for dtype in dtypes:
                for kname in cuda_sources.kernel_templates(code):
                    self.kernel(kname, dtype, fname)
                    count += 1
        return count

    def _grid(self, n: int) -> int:
        dev = self.cp.cuda.runtime.getDevice()
        cap = self._grid_cap.get(dev)
        if cap is None:
            sms = self.cp.cuda.Device(dev).attributes["MultiProcessorCount"]
            cap = self._grid_cap[dev] = max(1, int(sms)) * _BLOCKS_PER_SM
        return max(1, min((n + _BLOCK - 1) // _BLOCK, cap))

    # --- forward kernels -----------------------------------------------------------------

    def _map_eligible(self, x: Any) -> str | None:
        """The dtype name when ``x`` is a large C-contiguous float32/float64 CuPy array."""
        if (type(x) is not self.cp.ndarray or x.size < FORWARD_MIN_SIZE
                or not x.flags.c_contiguous):
            return None
        return _FLOAT_CHARS.get(x.dtype.char)

    def _map(self, kernel: str, dtype: str, args: tuple[Any, ...], like: Any) -> Any:
        out = self.cp.empty_like(like)
        n = like.size
        self.kernel(kernel, dtype, FORWARD_SOURCE)(
            (self._grid(n),), (_BLOCK,), (*args, out, numpy.int64(n)))
        return out

    def _unary_fwd(self, kernel: str) -> Callable[..., Any]:
        def fwd(x: Any) -> Any:
            dtype = self._map_eligible(x)
            if dtype is None:
                return NotImplemented
            return self._map(kernel, dtype, (x,), x)

        fwd.__name__ = fwd.__qualname__ = kernel
        return fwd

    def _binary_fwd(self, rule: str) -> Callable[..., Any]:
        def fwd(x: Any, y: Any) -> Any:
            if _is_constant(y) or _is_constant(x):
                arr, c, name = (x, y, "xc") if _is_constant(y) else (y, x, "cx")
                dtype = self._map_eligible(arr)
                if dtype is None or (type(c) is int and abs(c) > 1 << 53):
                    return NotImplemented
                name = f"{rule}_fwd_{name}"
                return self._map(name, dtype, (arr, arr.dtype.type(c)), arr)
            dtype = self._map_eligible(x)
            if (dtype is None or type(y) is not self.cp.ndarray or y.shape != x.shape
                    or y.dtype != x.dtype or not y.flags.c_contiguous):
                return NotImplemented
            return self._map(f"{rule}_fwd", dtype, (x, y), x)

        fwd.__name__ = fwd.__qualname__ = f"{rule}_fwd"
        return fwd

    # --- fused adjoints ------------------------------------------------------------------

    def _eligible(self, g: Any, *arrays: Any) -> str | None:
        """The dtype name when every array is a C-contiguous float array like ``g``, else None."""
        nd = self.cp.ndarray
        if not isinstance(g, nd) or not g.flags.c_contiguous:
            return None
        dtype = _FLOAT_CHARS.get(g.dtype.char)
        if dtype is None:
            return None
        for a in arrays:
            if (
                not isinstance(a, nd)
                or a.shape != g.shape
                or a.dtype != g.dtype
                or not a.flags.c_contiguous
            ):
                return None
        return dtype

    def _launch(self, kernel: str, dtype: str, operands: tuple[Any, ...], g: Any, out: Any) -> Any:
        accumulate = out is not None
        if out is None:
            out = self.cp.empty_like(g)
        n = g.size
        if n:
            self.kernel(kernel, dtype)(
                (self._grid(n),),
                (_BLOCK,),
                (*operands, g, out, numpy.int64(n), numpy.int32(accumulate)),
            )
        return out

    def _elementwise_vjp(self, rule: str, kernels: dict[int, VjpKernel]) -> Callable[..., Any]:
        """The fused adjoints of ``rule``: ``kernels[argnum]`` reads ``g`` and its operands
        (the output or saved inputs); a binary rule's operands may broadcast (CuPy kernels)."""
        nin = next(iter(kernels.values())).arity

        def vjp(argnum: int, g: Any, ans: Any, inputs: tuple, params: dict, out: Any) -> Any:
            k = kernels.get(argnum)
            if k is None or len(inputs) != nin:
                return NotImplemented
            operands = tuple(ans if s == "ans" else inputs[s] for s in k.operands)
            extra = () if out is None else (out,)
            if nin == 1:
                dtype = self._eligible(g, *operands, *extra)
                if dtype is None:
                    return NotImplemented
                return self._launch(k.name, dtype, operands, g, out)
            target = self._binary_target(argnum, inputs, out)
            dtype = self._eligible(g, target, *operands, *extra)
            if dtype is None:
                if k.cupy is None:
                    return NotImplemented
                return self._broadcast_vjp(k.name, g, target, operands, out)
            return self._launch(k.name, dtype, operands, g, out)

        vjp.__name__ = vjp.__qualname__ = f"{rule}_vjp"
        return vjp

    def _binary_target(self, argnum: int, inputs: tuple, out: Any) -> Any:
        """The array whose shape the adjoint must have: the saved input, else ``out``."""
        x = inputs[argnum]
        return x if x is not None else out

    def _broadcast_kernel(self, name: str, mode: str) -> Any:
        """CuPy kernel for the expression of the adjoint kernel ``name``: ``mode`` "map" (a
        fresh result), "acc" (added into the output passed in) or "sum" (mapped and summed
        over given axes)."""
        key = (name, mode)
        k = self._bcast_kernels.get(key)
        if k is None:
            params, expr = self._bcast_exprs[name]
            guarded = f"(g == T(0) ? T(0) : T({expr}))"
            if mode == "sum":
                k = self.cp.ReductionKernel(params, "T y", guarded, "a + b", "y = a", "0",
                                            f"gpuad_{name}_sum", options=cuda_sources.FMAD)
            else:
                body = f"y += {guarded}" if mode == "acc" else f"y = {guarded}"
                k = self.cp.ElementwiseKernel(params, "T y", body, f"gpuad_{name}_{mode}",
                                              options=cuda_sources.FMAD)
            self._bcast_kernels[key] = k
        return k

    def _broadcast_vjp(self, name: str, g: Any, target: Any, operands: tuple[Any, ...],
                       out: Any) -> Any:
        """The adjoint kernel ``name``'s expression for an input shaped like ``target`` when the
        operands broadcast against ``g``: one elementwise pass, or one fused map-and-sum pass
        over the broadcast axes; added into ``out`` when given."""
        cp = self.cp
        nd = cp.ndarray
        if not isinstance(g, nd) or g.dtype.char not in _FLOAT_CHARS:
            return NotImplemented
        # Python numbers (constants of the expression) keep the array's dtype, so an input
        # whose only partner is a constant has the shape and dtype of g
        if target is None:
            if out is not None or not all(_is_constant(a) for a in operands):
                return NotImplemented
            shape = g.shape
        elif not isinstance(target, nd) or target.dtype != g.dtype:
            return NotImplemented
        else:
            shape = tuple(target.shape)
        if out is not None and (not isinstance(out, nd) or out.shape != shape
                                or out.dtype != g.dtype):
            return NotImplemented
        try:
            operands = tuple(g.dtype.type(a) if _is_constant(a) else a for a in operands)
        except OverflowError:
            return NotImplemented
        arrays = [a for a in operands if not isinstance(a, numpy.generic)]
        for a in arrays:
            if not isinstance(a, nd) or a.dtype != g.dtype or a.ndim > g.ndim:
                return NotImplemented
        try:
            if numpy.broadcast_shapes(shape, *(a.shape for a in arrays), g.shape) != g.shape:
                return NotImplemented
        except ValueError:
            return NotImplemented
        if g.size == 0:
            return NotImplemented
        if shape == g.shape:
            if out is None:
                return self._broadcast_kernel(name, "map")(g, *operands)
            self._broadcast_kernel(name, "acc")(g, *operands, out)
            return out
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
        r = self._broadcast_kernel(name, "sum")(g, *operands, axis=axes, keepdims=True)
        r = r.reshape(shape)
        if out is None:
            return r
        out += r
        return out

    def _matmul_vjp(
        self, argnum: int, g: Any, ans: Any, inputs: tuple, params: dict, out: Any
    ) -> Any:
        if argnum not in (0, 1) or len(inputs) != 2:
            return NotImplemented
        a, b = inputs
        cp = self.cp
        arrays = (a, b, g) if out is None else (a, b, g, out)
        if not all(isinstance(x, cp.ndarray) for x in arrays):
            return NotImplemented
        if g.dtype.char not in _FLOAT_CHARS:
            return NotImplemented
        for x in arrays:
            if x.ndim != 2 or not x.flags.c_contiguous or x.dtype != g.dtype:
                return NotImplemented
        (m, k), (k2, n) = a.shape, b.shape
        if k != k2 or g.shape != (m, n) or 0 in (m, k, n):
            return NotImplemented
        shape = a.shape if argnum == 0 else b.shape
        if out is not None and out.shape != shape:
            return NotImplemented
        gemm = self._gemm()
        beta = 0.0 if out is None else 1.0
        if out is None:
            out = cp.empty(shape, dtype=g.dtype)
        if argnum == 0:
            gemm("N", "T", g, b, out=out, alpha=1.0, beta=beta)
        else:
            gemm("T", "N", a, g, out=out, alpha=1.0, beta=beta)
        return out

    def _gemm(self) -> Callable[..., Any]:
        if self._gemm_fn is None:
            import cupy.cublas

            self._gemm_fn = cupy.cublas.gemm
        return self._gemm_fn

    def _xent_vjp(self, argnum: int, g: Any, ans: Any, inputs: tuple, params: dict,
                  out: Any) -> Any:
        """Fused Numba adjoint of the per-row softmax cross-entropy (argnum 0: the logits)."""
        logits, labels = inputs
        if argnum != 0 or logits is None or logits.ndim != 2 or logits.dtype.char not in "fd":
            return NotImplemented  # (float16: the formula, as on the NumPy backend)
        from . import numba_kernels

        cp = self.cp
        g = cp.ascontiguousarray(cp.broadcast_to(g, ans.shape))
        return numba_kernels.softmax_xent_backward(cp.ascontiguousarray(logits),
                                                   cp.ascontiguousarray(ans), labels, g, out=out)

    # --- scatter-add and interop ------------------------------------------------------------

    def index_add(self, out: Any, index: Any, values: Any) -> None:
        """``out[index] += values`` with repeats accumulating: atomics, or the deterministic
        Numba kernel (sorted segment sums) under ``gpuad.set_deterministic(True)``."""
        from .._state import is_deterministic
        from . import numba_kernels

        cp = self.cp
        det = is_deterministic()
        if values.size == 0 or out.size == 0:
            return
        if out.dtype.kind in "iub":  # the scatter kernels add floats only
            self._index_add_exact(out, index, values)
            return
        if out.dtype == cp.float16:  # the scatter kernels add float32 and float64 only
            acc = out.astype(cp.float32)
            self.index_add(acc, index, values.astype(cp.float32))
            out[...] = acc.astype(cp.float16)
            return
        if values.dtype != out.dtype and (values.dtype.kind == "f" or out.dtype.kind == "c"):
            # the scatter kernels take one dtype: a wider one accumulates (rounded once, at
            # the end), a narrower one is widened to out's
            if values.dtype.itemsize > out.dtype.itemsize and out.dtype.kind == values.dtype.kind:
                acc = out.astype(values.dtype)
                self.index_add(acc, index, values)
                out[...] = acc.astype(out.dtype)
                return
            values = values.astype(cp.result_type(values.dtype, out.dtype)
                                   if out.dtype.kind == "c" else out.dtype)
        if out.dtype.kind == "c":
            # the scatter kernels add real numbers: scatter the real and imaginary parts apart
            for part, take in ((1, cp.real), (1j, cp.imag)):
                acc = cp.zeros(out.shape, dtype=out.real.dtype)
                # (ascontiguousarray makes a 0-d value 1-d, which a 0-d index cannot take)
                self.index_add(acc, index, cp.ascontiguousarray(take(values)).reshape(
                    values.shape))
                out += part * acc
            return
        if len(index) == 1 and isinstance(index[0], cp.ndarray) and index[0].dtype.kind in "iu":
            # row gather (embedding lookups, take along axis 0): one scatter over rows
            idx = index[0].astype(cp.int64, copy=False).ravel()
            rows = out.reshape(out.shape[0], -1)
            vals = cp.ascontiguousarray(
                cp.broadcast_to(values, index[0].shape + out.shape[1:])).reshape(idx.size, -1)
            # cupyx.scatter_add was measured on float32 only; float64 keeps the Numba kernel
            if det or out.dtype != cp.float32 or self.route("scatter_rows", vals.size) == "numba":
                numba_kernels.scatter_add_rows(rows, idx, vals, deterministic=det)
            else:
                import cupyx

                cupyx.scatter_add(rows, idx, vals)
            return
        if not det and out.dtype == cp.float32:
            import cupyx

            cupyx.scatter_add(out, index, values)
            return
        # general indices (and float64, which cupyx.scatter_add may not take): flat positions
        # of every indexed element, then the Numba scatter over the flat array
        lin = cp.arange(out.size, dtype=cp.int64).reshape(out.shape)[index]
        vals = cp.ascontiguousarray(cp.broadcast_to(values, lin.shape)).ravel()
        numba_kernels.scatter_add_flat(out.reshape(-1), lin.ravel(), vals, deterministic=det)

    def _index_add_exact(self, out: Any, index: Any, values: Any) -> None:
        """``out[index] += values`` for integer and boolean ``out`` (``or`` for booleans, as
        ``numpy.add.at``): the positions sorted, each run of equal ones summed by a cumulative
        sum in ``out``'s dtype (exact, wrapping as repeated ``+=`` does)."""
        cp = self.cp
        lin = cp.arange(out.size, dtype=cp.int64).reshape(out.shape)[index]
        vals = cp.broadcast_to(cp.asarray(values), lin.shape).ravel()
        lin = lin.ravel()
        flat = out.reshape(-1)
        if out.dtype.kind == "b":
            flat[lin[vals.astype(bool)]] = True
            return
        order = cp.argsort(lin)
        sl = lin[order]
        cs = cp.cumsum(vals[order].astype(out.dtype), dtype=out.dtype)
        last = cp.ones(sl.size, dtype=bool)
        last[:-1] = sl[1:] != sl[:-1]
        ends = cs[last]
        seg = ends.copy()
        seg[1:] -= ends[:-1]
        flat[sl[last]] += seg

    def softmax_xent_forward(self, logits: Any, labels: Any) -> Any:
        """Per-row softmax cross-entropy of (R, C) logits: the fused Numba kernel, or CuPy
        reductions, whichever calibration found faster at this size."""
        if logits.dtype.char in "fd" and self.route("softmax_xent", logits.size) == "numba":
            from . import numba_kernels

            return numba_kernels.softmax_xent_forward(logits, labels)[0]
        return self._xent_cupy(logits, labels)

    def _xent_cupy(self, logits: Any, labels: Any) -> Any:
        from .xent import rows_loss

        return rows_loss(self.cp, logits, labels)

    # --- routing: ops with a CuPy and a Numba implementation ------------------------------

    #: before calibration: cupyx's scatter, the last GPU measurement's winner at every size
    #: (H200, 2026-11-30, 1K to 4M elements: benchmarks/results/gpu_check.md); CuPy's
    #: cross-entropy forward, although that run measured the Numba kernel faster at every
    #: size: the Numba path checks its labels on the host, which a CUDA-graph capture cannot
    #: do, while CuPy's checks on the device (calibrate() still routes by measurement)
    ROUTE_DEFAULT = {"scatter_rows": "cupyx", "softmax_xent": "cupy"}

    def route(self, op: str, n: int) -> str:
        """The implementation of ``op`` to use for ``n`` elements: the calibrated winner at the
        nearest measured size, else the default."""
        table = self.routes.get(op)
        if not table:
            return self.ROUTE_DEFAULT[op]
        for size, winner in table:
            if n <= size:
                return winner
        return table[-1][1]

    def calibrate(self, sizes: tuple[int, ...] = (1 << 10, 1 << 14, 1 << 18, 1 << 22),
                  reps: int = 20) -> dict[str, list[tuple[int, str]]]:
        """Time both implementations of each routed op at ``sizes`` (elements) and route each
        size to the faster; returns and keeps ``{op: [(size, winner), ...]}`` (the times, in
        ms per call, in ``route_ms``: ``{op: [(size, {implementation: ms}), ...]}``)."""
        import cupyx

        from . import numba_kernels

        cp = self.cp

        def timed(fn: Callable[[], Any]) -> float:
            fn()
            start, end = cp.cuda.Event(), cp.cuda.Event()
            start.record()
            for _ in range(reps):
                fn()
            end.record()
            end.synchronize()
            return cp.cuda.get_elapsed_time(start, end) / reps

        found: dict[str, list[tuple[int, str]]] = {"scatter_rows": [], "softmax_xent": []}
        times: dict[str, list[tuple[int, dict[str, float]]]] = {k: [] for k in found}
        for n in sizes:
            d = 64
            rows = max(1, n // d)
            out = cp.zeros((max(1, rows // 4), d), cp.float32)
            idx = cp.random.randint(0, out.shape[0], rows).astype(cp.int64)
            vals = cp.ones((rows, d), cp.float32)
            t = {"numba": timed(lambda: numba_kernels.scatter_add_rows(out, idx, vals)),
                 "cupyx": timed(lambda: cupyx.scatter_add(out, idx, vals))}
            found["scatter_rows"].append((rows * d, min(t, key=t.get)))
            times["scatter_rows"].append((rows * d, t))
            c = 1000
            logits = cp.random.standard_normal((max(1, n // c), c), dtype=cp.float32)
            labels = cp.random.randint(0, c, logits.shape[0]).astype(cp.int64)
            t = {"numba": timed(lambda: numba_kernels.softmax_xent_forward(logits, labels)),
                 "cupy": timed(lambda: self._xent_cupy(logits, labels))}
            found["softmax_xent"].append((logits.size, min(t, key=t.get)))
            times["softmax_xent"].append((logits.size, t))
        self.routes, self.route_ms = found, times
        return found

    def from_device(self, data: Any, dtype: Any = None) -> Any:
        """A CuPy view of another library's device array (no copy)."""
        cp = self.cp
        if hasattr(data, "__cuda_array_interface__"):
            arr = cp.asarray(data)
        else:
            arr = cp.from_dlpack(data)
        return arr if dtype is None else arr.astype(dtype, copy=False)
