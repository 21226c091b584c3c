"""A fake of the libcublas C entry points ``gpuad.backends.cublas_graph`` calls, over the
stand-in's memory (addresses of live arrays, ``_memory``), for tests: the stand-in has no
libcublas, so its tests hand ``FakeCublas()`` to ``cublas_graph.use_library``.

It keeps cuBLAS's contract: matrices in column-major order with leading dimensions (checked:
``lda >= max(1, rows stored)``, else ``CUBLAS_STATUS_INVALID_VALUE``), ``op`` N, T or C,
``C = alpha op(A) op(B) + beta C`` with ``C`` not read when ``beta == 0``, ``alpha``/``beta``
read from host addresses, batch strides in elements; ``cublasSetStream`` puts the handle back
on cuBLAS's own workspace. While a stream captures, a product is recorded in the stand-in's
capture log as a write and does not run (a launch runs it on what the memory holds then), as a
captured cuBLAS kernel; it needs a workspace set by the caller (cuBLAS would allocate its own)
and a stream other than the null stream (work on the null stream breaks a capture).
"""

from __future__ import annotations

import ctypes

import numpy

from . import _capture, _memory

SUCCESS, NOT_INITIALIZED, ALLOC_FAILED, INVALID_VALUE = 0, 1, 3, 7
_TYPES = {"S": (numpy.float32, ctypes.c_float, 1), "D": (numpy.float64, ctypes.c_double, 1),
          "C": (numpy.complex64, ctypes.c_float, 2), "Z": (numpy.complex128, ctypes.c_double, 2)}


def _scalar(char: str, ptr: int):
    _, ctype, parts = _TYPES[char]
    v = (ctype * parts).from_address(ptr)
    return complex(v[0], v[1]) if parts == 2 else float(v[0])


def _op(x: numpy.ndarray, op: int) -> numpy.ndarray:
    return x if op == 0 else x.T if op == 1 else x.conj().T


class FakeCublas:
    """The entry points, by their C names; ``gemms`` counts the products computed (run or
    recorded), ``handles`` holds each handle's stream and workspace."""

    def __init__(self):
        self.handles: dict[int, dict] = {}
        self.gemms = 0
        self._next = 0x1000
        for char in _TYPES:
            setattr(self, f"cublas{char}gemm_v2", self._plain(char))
            setattr(self, f"cublas{char}gemmStridedBatched", self._batched(char))

    def cublasCreate_v2(self, ptr):
        h, self._next = self._next, self._next + 16
        self.handles[h] = {"stream": 0, "workspace": None, "math": 0}
        ctypes.c_void_p.from_address(ptr).value = h
        return SUCCESS

    def cublasDestroy_v2(self, h):
        return SUCCESS if self.handles.pop(h, None) is not None else NOT_INITIALIZED

    def cublasSetStream_v2(self, h, stream):
        st = self.handles.get(h)
        if st is None:
            return NOT_INITIALIZED
        st["stream"], st["workspace"] = stream or 0, None  # back on cuBLAS's own workspace
        return SUCCESS

    def cublasSetWorkspace_v2(self, h, ptr, size):
        st = self.handles.get(h)
        if st is None:
            return NOT_INITIALIZED
        if size and not ptr:
            return INVALID_VALUE
        _memory.view(ptr, numpy.uint8, (size,))  # an illegal address raises
        st["workspace"] = (ptr, size)
        return SUCCESS

    def cublasSetMathMode(self, h, mode):
        st = self.handles.get(h)
        if st is None:
            return NOT_INITIALIZED
        st["math"] = mode
        return SUCCESS

    def _plain(self, char):
        def gemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc):
            return self._gemm(char, h, ta, tb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C,
                              ldc, 0, 1)
        return gemm

    def _batched(self, char):
        def gemm(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch):
            return self._gemm(char, h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C,
                              ldc, sc, batch)
        return gemm

    def _gemm(self, char, h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc,
              batch):
        st = self.handles.get(h)
        if st is None:
            return NOT_INITIALIZED
        if ta not in (0, 1, 2) or tb not in (0, 1, 2) or min(m, n, k, batch) < 0:
            return INVALID_VALUE
        rows_a, cols_a = (m, k) if ta == 0 else (k, m)
        rows_b, cols_b = (k, n) if tb == 0 else (n, k)
        if lda < max(1, rows_a) or ldb < max(1, rows_b) or ldc < max(1, m):
            return INVALID_VALUE
        if _capture.capturing():
            if not st["stream"]:
                raise RuntimeError("operation not permitted when stream is capturing (cuBLAS "
                                   "called on the null stream while a stream captures)")
            if st["workspace"] is None:
                return ALLOC_FAILED  # cuBLAS would allocate a workspace while capturing
        a_, b_ = _scalar(char, alpha), _scalar(char, beta)
        if m == 0 or n == 0 or batch == 0:
            return SUCCESS
        dtype = numpy.dtype(_TYPES[char][0])
        isz = dtype.itemsize

        def run():
            for i in range(batch):
                c = _memory.view(C + i * sc * isz, dtype, (m, n), (isz, ldc * isz))
                if k == 0 or a_ == 0:
                    prod = numpy.zeros((m, n), dtype)
                else:
                    x = _op(_memory.view(A + i * sa * isz, dtype, (rows_a, cols_a),
                                         (isz, lda * isz)), ta)
                    y = _op(_memory.view(B + i * sb * isz, dtype, (rows_b, cols_b),
                                         (isz, ldb * isz)), tb)
                    # op(A) op(B), computed as (op(B)^T op(A)^T)^T: NumPy then multiplies the
                    # row-major views a caller of the row-major product holds
                    prod = numpy.matmul(y.T, x.T).T
                    if a_ != 1:
                        prod = a_ * prod
                c[...] = prod if b_ == 0 else prod + b_ * c
        self.gemms += 1
        if not _capture.write(run, (), {}):
            run()
        return SUCCESS
