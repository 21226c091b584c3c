"""Fused GPU kernels are shared between groups doing the same computation.

The generated source names statements by position and passes the numbers among the steps'
operands as kernel arguments, so the groups of an unrolled loop (one per step of an RNN) are
one kernel, compiled once, whatever the number of steps.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import codegen_cuda, fusion, kernels
from gpuad.jit.fusion import Options


def _rnn(steps: int, rng):
    xp = ad.get_backend().xp
    W = xp.asarray((rng.standard_normal((16, 16)) * 0.3).astype(np.float32))
    h0 = xp.asarray(rng.standard_normal((4, 16)).astype(np.float32))
    xs = xp.asarray(rng.standard_normal((steps, 4, 16)).astype(np.float32))

    def loss(W, h):
        for t in range(steps):
            h = gnp.tanh(h @ W + xs[t])
        return gnp.sum(h * h)

    return ad.value_and_grad(loss, argnums=(0, 1)), (W, h0)


def test_rnn_kernels_do_not_grow_with_the_steps(backend, rng, monkeypatch):
    """An RNN of 50 steps makes as many distinct fused kernels as one of 5 (its groups are
    the same few computations), and the compiled results equal eager's."""
    if backend != "cupy":
        pytest.skip("the GPU code generator's kernels")
    built = {}
    for steps in (5, 50):
        monkeypatch.setattr(codegen_cuda, "_KERNELS", {})
        before = dict(codegen_cuda.STATS)
        vg, args = _rnn(steps, rng)
        j = ad.jit(vg)
        got = j(*args)
        again = j(*args)  # replayed
        want = vg(*args)
        built[steps] = codegen_cuda.STATS["built"] - before["built"]
        reused = codegen_cuda.STATS["reused"] - before["reused"]
        assert built[steps] == len(codegen_cuda._KERNELS)
        assert reused >= steps  # at least one group per step found its kernel made
        for out in (got, again):
            np.testing.assert_allclose(to_numpy(out[0]), to_numpy(want[0]), rtol=1e-5)
            for a, b in zip(out[1], want[1], strict=True):
                np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-4, atol=1e-6)
    assert 1 <= built[50] == built[5] <= 8


def _emulated_xp(made: list):
    """An array module whose ``ElementwiseKernel`` runs its CUDA body on the CPU (compiled by
    the host C++ compiler, tests/cuda_host_emu.py), over broadcast contiguous copies."""
    from cuda_host_emu import HostModule

    ctype = {"float32": "float", "float64": "double", "bool": "bool"}

    class ElementwiseKernel:
        def __init__(self, in_params, out_params, body, name, preamble="", options=()):
            made.append(self)
            self.options = options  # NVRTC flags (--fmad=false): g++ has no FMA contraction
            ins = [p.split() for p in in_params.split(", ")]
            outs = [p.split() for p in out_params.split(", ")]
            args = [f"const {ctype[t]}* a_{n}" if n[0] == "a" else f"{ctype[t]} {n}"
                    for t, n in ins]
            args += [f"{ctype[t]}* a_{n}" for t, n in outs]
            lines = [preamble, f'extern "C" __global__ void k({", ".join(args)}, long long n) {{',
                     "    for (long long i = 0; i < n; ++i) {"]
            lines += [f"        const {ctype[t]} {n} = a_{n}[i];" for t, n in ins if n[0] == "a"]
            lines += [f"        {ctype[t]} {n};" for t, n in outs]
            lines += ["        " + ln for ln in body.splitlines()]
            lines += [f"        a_{n}[i] = {n};" for _, n in outs] + ["    }", "}"]
            self.kinds = [n[0] for _, n in ins]
            self.fn = HostModule("\n".join(lines)).get_function("k")

        def __call__(self, *args):
            n_in = len(self.kinds)
            ins, outs = args[:n_in], args[n_in:]
            shape = outs[0].shape
            conv = [np.ascontiguousarray(np.broadcast_to(a, shape)) if k == "a" else a
                    for k, a in zip(self.kinds, ins, strict=True)]
            self.fn((1,), (1,), (*conv, *outs, int(np.prod(shape))))

    return types.SimpleNamespace(ElementwiseKernel=ElementwiseKernel, empty=np.empty)


def test_groups_differing_in_a_number_share_one_kernel(rng, monkeypatch):
    """Two groups that differ only in the numbers they multiply and add by have one source
    (the numbers are kernel arguments); the shared kernel, run on the CPU emulation, gives
    each group its own values."""
    from cuda_host_emu import Unavailable

    monkeypatch.setattr(codegen_cuda, "_KERNELS", {})
    x = rng.uniform(-2.0, 2.0, 64)
    specs = []
    with ad.use_backend("numpy"):
        for a, b in ((2.0, 1.0), (-0.3, 7.5)):
            prog = ad.jit(lambda x, a=a, b=b: gnp.sin(x * a) + b,
                          fuse=Options(min_size=1 << 30), check=False).lower(x)
            groups = fusion.find_groups(prog, Options(min_size=0))
            fusion._wire(prog, groups)
            (g,) = groups
            specs.append(((a, b), kernels.spec_of(prog, g)))
    made: list = []
    try:
        xp = _emulated_xp(made)
        ks = [((a, b), codegen_cuda.make(spec, xp)) for (a, b), spec in specs]
    except Unavailable as e:
        pytest.skip(f"no host C++20 compiler for the emulation: {e}")
    assert len(made) == 1 and ks[0][1].cuda == ks[1][1].cuda
    assert "2.0" not in ks[0][1].cuda and "c0" in ks[0][1].cuda
    for (a, b), k in ks:
        assert isinstance(k, codegen_cuda.CupyKernel)
        (got,) = k(x)
        assert k.fallback is None
        np.testing.assert_allclose(got, np.sin(x * a) + b, rtol=1e-15, atol=1e-15)


def test_sums_over_a_vector_share_one_module_at_every_length(rng, monkeypatch):
    """A group ending in a sum over one axis is one reduction module whatever the lengths
    (the numbers of outputs and of elements per output are kernel arguments)."""
    monkeypatch.setattr(codegen_cuda, "_KERNELS", {})
    made: list = []
    xp = types.SimpleNamespace(RawModule=lambda **kw: made.append(kw["code"]) or object())
    srcs = []
    with ad.use_backend("numpy"):
        for shape, axis in (((100,), None), ((333,), None), ((8, 40), 0), ((3, 5000), 0)):
            x = rng.uniform(-1.0, 1.0, shape)
            prog = ad.jit(lambda x, axis=axis: gnp.sum(gnp.sin(x) * 0.9, axis=axis),
                          fuse=Options(min_size=1 << 30), check=False).lower(x)
            groups = fusion.find_groups(prog, Options(min_size=0))
            fusion._wire(prog, groups)
            (g,) = groups
            spec = kernels.spec_of(prog, g, inside=True)
            k = codegen_cuda.make(spec, xp)
            assert isinstance(k, codegen_cuda.CudaReduceKernel)
            srcs.append(k.cuda)
    assert srcs[0] == srcs[1] and srcs[2] == srcs[3] and srcs[0] != srcs[2]
    assert len(made) == 2
