"""The first call of a compiled function on a GPU backend moves no array through the host.

Tracing checksums every buffer it records (a write the tracer cannot see is an error) and the
check after tracing compares the program with a second eager run: on the cupy backend both
happen on the device, so their cost follows the device's bandwidth, not a copy to the host.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import trace


def _chain(v):
    for i in range(16):
        v = (gnp.sin, lambda u: u * 0.9, gnp.tanh, lambda u: u + 0.1)[i % 4](v)
    return gnp.sum(v)


def test_first_call_copies_no_array_to_the_host(backend, rng, monkeypatch):
    """Tracing, checksums and the check after tracing of the chain's value_and_grad read no
    array back to the host (the checksums of arrays from 256 KiB on and the comparison are
    device reductions; smaller arrays, where a copy costs less, are checksummed on the host)."""
    if backend != "cupy":
        pytest.skip("the cupy backend's host copies")
    be = ad.get_backend()
    copied: list = []
    real = be.cp.asnumpy

    def counted(a, *args, **kw):
        r = real(a, *args, **kw)
        copied.append(np.asarray(r).size)
        return r

    monkeypatch.setattr(be.cp, "asnumpy", counted)
    monkeypatch.setattr(trace, "_DEVICE_MIN", 4096)  # (small arrays for a quick test)
    x = be.xp.asarray(rng.uniform(-1.0, 1.0, 1024).astype(np.float32))
    vg = ad.value_and_grad(_chain)
    j = ad.jit(vg)
    got = j(x)
    assert j.cache_info()["misses"] == 1
    assert [k for k in copied if k > 1] == []
    monkeypatch.setattr(be.cp, "asnumpy", real)
    want = vg(x)
    np.testing.assert_allclose(float(got[0]), float(want[0]), rtol=1e-5)


def test_device_checksum_sees_every_kind_of_change(rng, monkeypatch):
    """The device checksum (computed here with NumPy as the array module) changes when one
    bit flips, when two elements trade places (also x and -x, which differ in the sign bit
    alone), and in the padding of a size that is not a multiple of 8 bytes; equal contents
    give equal checksums, contiguous or not."""
    x = rng.standard_normal((3, 50)).astype(np.float32)
    h = trace._device_checksum(np, x)
    assert trace._device_checksum(np, x.copy()) == h
    assert trace._device_checksum(np, np.asfortranarray(x)) == h
    flip = x.copy()
    flip.view(np.uint32)[1, 7] ^= 1
    assert trace._device_checksum(np, flip) != h
    swap = x.copy()
    swap[0, 3], swap[2, 9] = x[2, 9], x[0, 3]
    assert trace._device_checksum(np, swap) != h
    y = x.copy()
    y[0, 0], y[0, 2] = 1.5, -1.5
    z = y.copy()
    z[0, 0], z[0, 2] = -1.5, 1.5
    assert trace._device_checksum(np, y) != trace._device_checksum(np, z)
    odd = np.arange(13, dtype=np.uint8)
    odd2 = odd.copy()
    odd2[-1] = 0
    assert trace._device_checksum(np, odd) != trace._device_checksum(np, odd2)
    assert trace._device_checksum(np, odd[:12]) != trace._device_checksum(np, odd)
    assert trace._device_checksum(np, x[:, ::2]) == trace._device_checksum(np, x[:, ::2].copy())
    monkeypatch.setattr(trace, "_CHUNK", 64)
    big = rng.standard_normal(3 * trace._CHUNK // 2)  # more than one pass
    assert trace._device_checksum(np, big) == trace._device_checksum(np, big.copy())
    hb = trace._device_checksum(np, big)
    big[-1] = np.nextafter(big[-1], np.inf)
    assert trace._device_checksum(np, big) != hb
