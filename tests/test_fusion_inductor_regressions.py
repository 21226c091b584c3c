"""Regressions found by the PyTorch Inductor programs of
tests/conformance/test_torch_inductor_suite.py (compiled against eager on the NumPy backend,
where a compiled program gives eager's bits)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit.fusion import Options

CHUNKED = Options(min_size=0, min_steps=1, target="chunked")


def _reduce_of_transposed(a, b):
    c = gnp.exp(a) * b - 1.0
    return gnp.sum(c, axis=0), c, gnp.max(c, axis=1), gnp.sum(a * 2.0, axis=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("fuse", [True, False, CHUNKED], ids=["defaults", "unfused", "fused"])
def test_reduction_of_a_result_of_transposed_operands_is_eagers(dtype, fuse):
    """test_transposed_broadcast_reduce's program: NumPy lays an entrywise result of a
    transposed operand out transposed, and its ``sum`` then adds along the contiguous axis
    (pairwise; float16 accumulating in float32). The compiled program wrote the results into
    the memory plan's (or the fused kernel's) C-contiguous arrays, whose sum adds one row after
    another: float32 sums off by 1.9e-5, float16 ones by an ulp (-8.56 for -8.555)."""
    r = np.random.default_rng(0)
    a = r.standard_normal((100, 64)).astype(dtype).T
    b = r.standard_normal((64, 1)).astype(dtype)
    with ad.use_backend("numpy"), np.errstate(all="ignore"):
        want = _reduce_of_transposed(a, b)
        j = ad.jit(_reduce_of_transposed, fuse=fuse)
        j(a * 2, b)
        for arg in (a, np.ascontiguousarray(a)):  # a later call with another layout
            want = _reduce_of_transposed(arg, b)
            got = j(arg, b)
            for g, w in zip(got, want, strict=True):
                assert g.dtype == w.dtype
                np.testing.assert_array_equal(g, w)


def test_reordered_cancelling_sum_passes_the_trace_check():
    """test_arange4's weighted loss with the sum added inside a Numba kernel in its own order
    (``reorder_sums=True``, the GPU's default): ``sum((x - arange(512, -512, -1)) * w)``
    cancels (-3947 from terms of 2.7e5 in all), so the kernel's float32 round-off (0.068,
    a few ulps of the magnitudes summed, as documented) is 1.7e-5 of the result, and the
    trace's check against eager on moved arguments (1e-5 of the result) refused the program
    with a TracerError blaming computations outside gpuad. The check allows that round-off."""
    pytest.importorskip("numba")
    opts = Options(min_size=0, min_steps=1, target="numba", reduce_inside=True,
                   reorder_sums=True)
    x = np.random.default_rng(1).standard_normal(1024).astype(np.float32)
    w = np.random.default_rng(100).uniform(0.5, 1.5, 1024).astype(np.float32)

    def loss(x):
        return gnp.sum((x - gnp.arange(512, -512, -1.0, dtype=np.float32)) * w)

    with ad.use_backend("numpy"):
        j = ad.jit(loss, fuse=opts)
        j(x)  # traced and checked
        got, want = j(x * 1.5), loss(x * 1.5)
        assert abs(float(got) - float(want)) <= 8 * np.finfo(np.float32).eps * float(
            np.sum(np.abs((x * 1.5 - np.arange(512, -512, -1.0)) * w)))


def test_fused_group_of_operands_of_two_layouts_keeps_eagers_layout_per_step():
    """test_transposed_chain_keepdim's program: ``c = tanh(a * b + 1)`` of a transposed ``a``
    and a C-ordered ``b`` (4, 1, 4), then ``mean(c * a, (0, 2))``. NumPy lays out ``a * b`` by
    both operands and ``c * a`` by ``c`` and ``a`` again, which differ; the fused kernel's
    outputs took the layout of the loads as a whole, so the mean of ``c * a`` added in another
    order than eager's (0.3925124 for 0.39251238). Each output now has the layout NumPy gives
    its own step."""
    r = np.random.default_rng(0)
    a = r.standard_normal((4, 4, 4)).astype(np.float32).swapaxes(0, 2)
    b = r.standard_normal((4, 1, 4)).astype(np.float32)

    def f(a, b):
        c = gnp.tanh(a * b + 1.0)
        return (gnp.sum(c, axis=1, keepdims=True), gnp.max(c, axis=2),
                gnp.mean(c * a, axis=(0, 2)), c)

    with ad.use_backend("numpy"):
        j = ad.jit(f, fuse=CHUNKED)
        j(a * 2, b)
        for g, w in zip(j(a, b), f(a, b), strict=True):
            np.testing.assert_array_equal(g, w)
