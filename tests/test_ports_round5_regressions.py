"""Regressions found porting nanoGPT, minGPT, micrograd, makemore and min-char-rnn
(tests/conformance/test_ports_programs_round5*.py)."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn


def test_module_zero_grad_set_to_none(backend):
    """minGPT's Trainer calls ``model.zero_grad(set_to_none=True)``: the keyword was refused
    (TypeError); ``set_to_none=False`` keeps the ``.grad`` arrays, zeroed."""
    m = nn.Linear(3, 2)
    x = ad.tensor(gnp.asarray(np.arange(6.0).reshape(2, 3)))
    m(x).sum().backward()
    np.testing.assert_array_equal(to_numpy(m.bias.grad), [2.0, 2.0])
    m.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(to_numpy(m.bias.grad), [0.0, 0.0])
    np.testing.assert_array_equal(to_numpy(m.weight.grad), np.zeros((2, 3)))
    m(x).sum().backward()
    np.testing.assert_array_equal(to_numpy(m.weight.grad), [[3.0, 5.0, 7.0]] * 2)
    m.zero_grad(set_to_none=True)
    assert m.weight.grad is None and m.bias.grad is None
    m(x).sum().backward()
    m.zero_grad()
    assert m.weight.grad is None
