"""The fused ``sigmoid`` (logaddexp's adjoint) keeps tiny values: ``1 / (1 + exp(-x))`` flushes
them to zero once ``exp(-x)`` overflows (x below about -88 in float32), where eager's
``exp(-logaddexp(0, -x))`` gives the denormal."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import flushes_float32_subnormals, to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import codegen_cuda, fusion, kernels
from gpuad.jit.fusion import Options


def _loss(x, y):
    return gnp.sum(gnp.logaddexp(x, y))


def _inputs(dtype):
    x = np.concatenate([np.linspace(-100.0, -80.0, 41), np.linspace(-5.0, 5.0, 23)])
    return x.astype(dtype), np.zeros_like(x, dtype=dtype)


def _assert_as_eager(got, want, flushed=False):
    """``flushed``: float32 on a backend that flushes subnormals, where the first 20 values
    (exp of -100 to -90.5, all below float32's smallest normal number) are zero, in eager's
    kernels and the fused ones alike."""
    assert np.array_equal(got != 0, want != 0), (got, want)
    # the test reaches below exp's overflow
    assert np.count_nonzero(want[:20]) == (0 if flushed else 20)
    np.testing.assert_allclose(got, want, rtol=2e-2, atol=0)  # denormals: few bits


@pytest.mark.parametrize("target", ["chunked", "numba", None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_logaddexp_gradient_keeps_tiny_values(backend, dtype, target):
    if backend == "cupy" and target == "numba":
        pytest.skip("the CPU target is not used on the cupy backend")
    xp = ad.get_backend().xp
    x, y = (xp.asarray(a) for a in _inputs(dtype))
    if dtype == np.float64:
        x = x * 7.2  # below exp's overflow in float64 too (exp(720) is inf)
    vg = ad.value_and_grad(_loss, argnums=(0, 1))
    opts = Options(min_size=0) if target is None else Options(min_size=0, target=target)
    fused = ad.jit(vg, fuse=opts)
    assert fused.lower(x, y).fusion.groups
    got = ad.tree_flatten(fused(x, y))[0]
    want = ad.tree_flatten(vg(x, y))[0]
    flushed = dtype == np.float32 and flushes_float32_subnormals(backend)
    for g, w in zip(got[1:], want[1:], strict=True):
        _assert_as_eager(to_numpy(g), to_numpy(w), flushed)


def test_cuda_sigmoid_keeps_tiny_values_on_the_cpu_emulation():
    """The generated CUDA of the backward group (``g * sigmoid(x - y)``), compiled by the host
    C++ compiler behind the emulation shim (tests/cuda_host_emu.py)."""
    from cuda_host_emu import HostModule, Unavailable

    with ad.use_backend("numpy"):
        x, y = _inputs(np.float32)
        vg = ad.value_and_grad(_loss, argnums=(0, 1))
        prog = ad.jit(vg, fuse=Options(min_size=1 << 30), check=False).lower(x, y)
        groups = fusion.find_groups(prog, Options(min_size=0))
        fusion._wire(prog, groups)
        (g,) = [g for g in groups if "sigmoid" in {n.op for n in g.nodes.values()}]
        spec = kernels.spec_of(prog, g, inside=True)
        want = [to_numpy(w) for w in vg(x, y)[1]]
    assert len(spec.loads) == 2 and len(spec.outs) == 2  # reads x and y, writes dx and dy
    # the group's kernel, and the language's own sigmoid function (gpuad_vjp.cuh)
    own = (codegen_cuda.header() + '\nextern "C" __global__ void own(const float* x, float* o, '
           "long long n) {\n    for (long long i = 0; i < n; ++i) o[i] = "
           "gpuad::ad_sigmoid(x[i]);\n}\n")
    try:
        mod = HostModule(codegen_cuda.raw_source(spec, "sig"))
        mod_own = HostModule(own)
    except Unavailable as e:
        pytest.skip(f"no host C++20 compiler for the emulation: {e}")
    dx, dy = np.empty_like(x), np.empty_like(x)
    mod.get_function("sig")((1,), (32,), (x, y, dx, dy, x.size))
    _assert_as_eager(dx, want[0])
    np.testing.assert_allclose(dy, want[1], rtol=1e-6)
    mine = np.empty_like(x)
    mod_own.get_function("own")((1,), (1,), (x - y, mine, x.size))
    _assert_as_eager(mine, want[0])
