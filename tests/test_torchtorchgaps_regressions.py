"""Regressions found by porting PyTorch's test/test_torch.py and test_tensor_creation_ops.py
(tests/conformance/test_torch_torch_gaps.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def test_frombuffer_refuses_a_list(backend):
    """A list was made an array first and its int64 bytes read as the dtype asked for
    (frombuffer([1, 2], dtype=float64) gave two denormals); NumPy and torch refuse it."""
    with pytest.raises(TypeError, match="bytes-like"):
        gnp.frombuffer([1, 2, 3, 4], dtype=np.float64)
    np.testing.assert_array_equal(to_numpy(gnp.frombuffer(b"\x01\x02", dtype=np.uint8)), [1, 2])
    np.testing.assert_array_equal(to_numpy(gnp.fromstring("1,2", sep=",", dtype=int)), [1, 2])


def test_unflatten_refuses_empty_sizes(backend):
    """x.unflatten(0, []) of a length-1 dim dropped the dim silently; torch refuses."""
    x = ad.tensor(np.array([1.5]))
    with pytest.raises(ValueError, match="non-empty"):
        x.unflatten(0, [])
    assert x.unflatten(0, (1, 1)).shape == (1, 1)


def test_masked_select_refuses_an_integer_mask(backend):
    """A uint8 mask indexed by its values (NumPy's take: [1, 0, 1, 0] picked four entries);
    torch wants a boolean mask."""
    x = ad.tensor(np.arange(4.0))
    with pytest.raises(TypeError, match="boolean"):
        x.masked_select(ad.tensor(np.array([1, 0, 1, 0], np.uint8)))
    np.testing.assert_array_equal(to_numpy(x.masked_select(x > 1)), [2.0, 3.0])
