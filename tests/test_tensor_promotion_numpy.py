"""Tensor operators and torch-named methods promote dtypes as NumPy 2 does, on purpose
(docs/porting.md, "NumPy semantics" and the silent-traps table): Python numbers are weak (a
float32 tensor times 2.5 stays float32, as in torch), but a 0-d float64 tensor or an int64
tensor widens a float32 one to float64, where torch keeps float32. The torch-style losses
are the exception: they keep the input's dtype with integer targets (test_loss_target_dtypes).
tests/conformance/test_torch_promotion_fuzz.py compares random pairs with NumPy and torch."""

from __future__ import annotations

import numpy as np

import gpuad as ad
import gpuad.numpy as gnp


def _t(v, dtype):
    return ad.tensor(gnp.asarray(np.asarray(v, dtype=dtype)))


def test_tensor_operators_follow_numpy_promotion(backend):
    x = _t([1.0, 2.0], np.float32)
    cases = {
        "python float": (x * 2.5, np.float32),
        "python int": (x + 1, np.float32),
        "0-d float64 tensor": (x * _t(2.0, np.float64), np.float64),
        "int64 tensor": (x * _t([1, 2], np.int64), np.float64),
        "int32 tensor method": (x.add(_t([1, 2], np.int32)), np.float64),
        "bool tensor": (x * _t([True, False], bool), np.float32),
        "int tensor / 2": (_t([1, 2], np.int64) / 2, np.float64),
        "0-d float32 with float64 vector": (_t(1.0, np.float32) * _t([1.0], np.float64),
                                            np.float64),
    }
    for name, (r, want) in cases.items():
        assert r.dtype == want, f"{name}: {r.dtype}, NumPy gives {want}"
    # the same pairs on raw arrays: NumPy's own answer
    a = np.asarray([1.0, 2.0], np.float32)
    assert (a * np.asarray(2.0)).dtype == np.float64
    assert (a * np.asarray([1, 2])).dtype == np.float64
