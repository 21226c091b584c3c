"""Run generated CUDA C++ kernels on the CPU, for tests on machines without a GPU.

The source is compiled by the host C++ compiler (``g++ -std=c++20``) behind a small shim: the
CUDA qualifiers are dropped, ``threadIdx``/``blockIdx`` are per thread, each block runs as
``blockDim.x`` OS threads meeting at ``__syncthreads()`` (a ``std::barrier``), blocks run one
after another (so a ``__shared__`` array is one static array). Enough for kernels that use
only those features and plain C math; no warp intrinsics, no atomics.

Example::

    mod = HostModule(source)                 # None-like: raises Unavailable without g++
    mod.get_function("k")((grid,), (block,), (array, numpy.int64(3), ...))
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

SHIM = r"""
#include <barrier>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>
using std::isfinite; using std::isnan; using std::isinf;
struct gpuad_emu_dim3 { unsigned x, y, z; };
static thread_local gpuad_emu_dim3 threadIdx, blockIdx;
static gpuad_emu_dim3 blockDim, gridDim;
static std::barrier<>* gpuad_emu_bar = nullptr;
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__
#define __shared__ static
#define __syncthreads() gpuad_emu_bar->arrive_and_wait()
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
"""

_KERNEL = re.compile(r'extern "C" __global__ void (\w+)\(([^)]*)\)')


class Unavailable(RuntimeError):
    pass


def _ctype(decl: str):
    if "*" in decl:
        return ctypes.c_void_p
    if "long long" in decl:
        return ctypes.c_longlong
    if decl.split()[0] == "int":
        return ctypes.c_int
    scalar = {"float": ctypes.c_float, "double": ctypes.c_double, "bool": ctypes.c_bool}
    if decl.split()[0] in scalar:  # a number passed by value
        return scalar[decl.split()[0]]
    raise Unavailable(f"parameter type not emulated: {decl}")


def _launcher(name: str, params: str) -> str:
    decls = [p.strip() for p in params.split(",")]
    names = [d.split()[-1].lstrip("*") for d in decls]
    return f"""
extern "C" void emu_{name}(unsigned gx, unsigned gy, unsigned bx, {params}) {{
    gridDim = {{gx, gy, 1}}; blockDim = {{bx, 1, 1}};
    for (unsigned by_ = 0; by_ < gy; ++by_) for (unsigned bx_ = 0; bx_ < gx; ++bx_) {{
        std::barrier<> bar(bx); gpuad_emu_bar = &bar;
        std::vector<std::thread> ts;
        for (unsigned t = 0; t < bx; ++t) ts.emplace_back([&, t] {{
            threadIdx = {{t, 0, 0}}; blockIdx = {{bx_, by_, 0}};
            {name}({", ".join(names)});
        }});
        for (auto& th : ts) th.join();
    }}
}}
"""


class HostModule:
    """A compiled source whose kernels run on the CPU (see the module docstring)."""

    def __init__(self, source: str):
        cxx = shutil.which("g++")
        if cxx is None:
            raise Unavailable("no g++")
        kernels = _KERNEL.findall(source)
        text = SHIM + source + "".join(_launcher(n, p) for n, p in kernels)
        h = hashlib.sha256(text.encode()).hexdigest()[:16]
        d = os.path.join(tempfile.gettempdir(), f"gpuad-emu-{os.getuid()}")
        os.makedirs(d, exist_ok=True)
        lib = os.path.join(d, f"k{h}.so")
        if not os.path.exists(lib):
            src = os.path.join(d, f"k{h}.cpp")
            with open(src, "w") as f:
                f.write(text)
            tmp = f"{lib}.{os.getpid()}"
            r = subprocess.run([cxx, "-std=c++20", "-O1", "-shared", "-fPIC", "-pthread",
                                "-w", src, "-o", tmp], capture_output=True, text=True)
            if r.returncode:
                raise Unavailable(f"g++ failed: {r.stderr[-2000:]}")
            os.replace(tmp, lib)
        self.lib = ctypes.CDLL(lib)
        self.params = {n: [_ctype(p.strip()) for p in ps.split(",")] for n, ps in kernels}

    def get_function(self, name: str):
        fn = getattr(self.lib, f"emu_{name}")
        types = self.params[name]
        fn.argtypes = [ctypes.c_uint] * 3 + types
        fn.restype = None

        def launch(grid, block, args):
            grid = tuple(grid) + (1,) * (2 - len(grid))
            conv = []
            for t, a in zip(types, args, strict=True):
                if t is ctypes.c_void_p:
                    assert isinstance(a, np.ndarray), type(a)
                    conv.append(a.ctypes.data)
                elif t in (ctypes.c_float, ctypes.c_double):
                    conv.append(float(a))
                else:
                    conv.append(int(a))
            fn(grid[0], grid[1], block[0], *conv)

        return launch
