"""A NumPy-backed stand-in for CuPy, for running gpuad's CuPy code paths on a CPU.

It emulates the part of CuPy that gpuad uses (see ``_core`` for the behaviours it copies):
arrays, NumPy's functions and ufuncs, ``cupy.random``, ``cupy.linalg``, ``cupy.fft``,
``cupy.cublas.gemm``, the ``cupy.cuda`` bits gpuad touches, and ``cupyx`` scatters and
special functions. It cannot run CUDA C: ``RawModule``, ``ElementwiseKernel`` and
``ReductionKernel`` raise ``NotImplementedError`` when created, and ``_gpuad_no_cuda_c`` tells
gpuad's CuPy backend to use its formula paths instead of its CUDA C kernels.

Only the test suite puts it on ``sys.path`` (``pytest --cupy-standin``).
"""

from __future__ import annotations

import numpy as _numpy

from . import _namespace, _refusals
from ._core import DeviceSynchronized, ndarray  # noqa: F401
from ._namespace import (  # noqa: F401
    array,
    asanyarray,
    asarray,
    ascontiguousarray,
    asfortranarray,
    asnumpy,
    from_dlpack,
    get_array_module,
    isscalar,
    take,
)

__version__ = "13.0.0+standin"
STANDIN = True
_gpuad_no_cuda_c = True

# dtypes and scalar types are NumPy's, as in CuPy
from numpy import (  # noqa: E402,F401
    bool_,
    complex64,
    complex128,
    dtype,
    e,
    euler_gamma,
    finfo,
    float16,
    float32,
    float64,
    iinfo,
    inf,
    int8,
    int16,
    int32,
    int64,
    intp,
    nan,
    newaxis,
    pi,
    uint8,
    uint16,
    uint32,
    uint64,
)

bool = _numpy.bool_  # noqa: A001
int_ = _numpy.int64
float_ = _numpy.float64
complex_ = _numpy.complex128


def _no_cuda_c(kind):
    class _Kernel:
        def __init__(self, *args, **kwargs):
            raise NotImplementedError(
                f"cupy stand-in: {kind} needs CUDA C compiled with NVRTC and a GPU; the "
                "stand-in runs none (the CUDA sources are compiled in tests/test_kernels_nvrtc.py)")

    _Kernel.__name__ = _Kernel.__qualname__ = kind
    return _Kernel


RawModule = _no_cuda_c("RawModule")
RawKernel = _no_cuda_c("RawKernel")
ElementwiseKernel = _no_cuda_c("ElementwiseKernel")
ReductionKernel = _no_cuda_c("ReductionKernel")


def fuse(*args, **kwargs):
    if args and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


def get_default_memory_pool():

    return cuda.get_default_memory_pool()


def get_default_pinned_memory_pool():

    return cuda.get_default_pinned_memory_pool()


def is_available():
    return True


def __getattr__(name):
    if name in _refusals.MISSING:
        raise AttributeError(f"module 'cupy' (stand-in) has no attribute {name!r}")
    f = _namespace.function(_numpy, "cupy", name)
    if f is None:
        obj = getattr(_numpy, name, None)
        if obj is None or name.startswith("_") or isinstance(obj, type(_numpy)):
            raise AttributeError(f"module 'cupy' (stand-in) has no attribute {name!r}")
        return obj
    globals()[name] = f
    return f


from . import _numba_sim, cuda, fft, linalg, random  # noqa: E402,F401

_numba_sim.install()
