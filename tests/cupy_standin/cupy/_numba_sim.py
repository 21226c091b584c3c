"""Numba's CUDA simulator has no ``as_cuda_array``/``is_cuda_array``: it never meets device
arrays. The stand-in's arrays are host memory behind ``__cuda_array_interface__``, so the
simulator can view them; this adds the two functions to ``numba.cuda`` when the simulator is on."""

from __future__ import annotations

import os
from types import SimpleNamespace

import numpy


def install() -> None:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        return
    from numba import cuda

    if hasattr(cuda, "as_cuda_array"):
        return
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray

    def as_cuda_array(obj, sync=True):
        iface = obj.__cuda_array_interface__
        host = SimpleNamespace(__array_interface__={
            "shape": tuple(iface["shape"]), "typestr": iface["typestr"], "data": iface["data"],
            "strides": iface.get("strides"), "version": 3})
        return FakeCUDAArray(numpy.asarray(host))

    def is_cuda_array(obj):
        return hasattr(obj, "__cuda_array_interface__")

    cuda.as_cuda_array = as_cuda_array
    cuda.is_cuda_array = is_cuda_array
    _record_launches()


def _record_launches() -> None:
    """A kernel launched while a stream captures is recorded (it writes its arguments' memory
    on each graph launch) and does not run, as on a GPU."""
    from numba.cuda.simulator.kernel import FakeCUDAKernel

    from . import _capture

    launch = FakeCUDAKernel.__call__
    if getattr(launch, "_standin", False):
        return

    def call(self, *args):
        if _capture.write(launch, (self, *args), {}):
            return None
        return launch(self, *args)

    call._standin = True
    FakeCUDAKernel.__call__ = call
