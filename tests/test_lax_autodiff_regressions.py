"""Derivatives of ``gpuad.lax`` found wrong by porting JAX's ``lax_autodiff_test.py``, checked
with float64 central differences (no JAX needed)."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax


def test_stop_gradient_detaches_every_pytree_node(backend):
    # a namedtuple kept its Tensors on the tape: the gradient was 2x + 1, not 1
    Pair = collections.namedtuple("Pair", "a b")
    x = np.array([1.0, 2.0])

    def f(x):
        return gnp.sum(lax.stop_gradient(Pair(x * x, 1.0)).a) + gnp.sum(x)

    np.testing.assert_array_equal(to_numpy(ad.grad(f)(x)), [1.0, 1.0])
    kept = lax.stop_gradient({"foo": x, "none": None})
    assert kept["none"] is None and kept["foo"] is x
    with pytest.raises(TypeError, match="stop_gradient.*callable"):
        lax.stop_gradient(lambda x: x)
