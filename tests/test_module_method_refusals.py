"""nn.Module methods of torch that gpuad refuses clearly or accepts as a no-op (found
porting pytorch/examples' mnist_hogwild and torch 2 code): they raised AttributeError."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad import nn


def _x(a):
    return ad.tensor(ad.get_backend().xp.asarray(a))


def test_module_share_memory_bfloat16_raise_compile_is_a_no_op(backend):
    # found porting pytorch/examples mnist_hogwild: a no-op share_memory would let each
    # process train its own copy while the parent's model stays unchanged
    m = nn.Linear(2, 1)
    with pytest.raises(NotImplementedError, match="shared"):
        m.share_memory()
    with pytest.raises(TypeError, match="bfloat16"):
        m.bfloat16()
    x = _x(np.array([[1.0, 2.0]]))
    y = to_numpy(m(x))
    assert m.compile() is None
    np.testing.assert_allclose(to_numpy(m(x)), y)
